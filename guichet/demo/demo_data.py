"""Demo data for ``manage.py seed_demo``: an invented commune, its services, catalogue and agents.

Plain data only; the command reads it and writes it idempotently (keys: slugs, usernames, field codes).
"""

from typing import NamedTuple, NotRequired, TypedDict

from guichet.catalogue.models import FieldKind as K
from guichet.organisation.models import Role

DOMAIN = "villebrune-sur-loire.fr"
# Where the invented commune lies (its located demo requests are drawn around it) and its invented INSEE code.
MAP_CENTER = (47.7600, 2.3800)
CITYCODE = "45999"


class FieldSpec(TypedDict):
    code: str
    label: str
    kind: str
    required: NotRequired[bool]  # default True
    choices: NotRequired[tuple[str, ...]]
    help_text: NotRequired[str]


class RequestTypeSpec(TypedDict):
    slug: str
    name: str
    theme: str
    service: str
    deadline_days: int
    description: str
    requires_account: NotRequired[bool]
    requires_family_member: NotRequired[bool]  # the child is chosen among the household (espace famille)
    legal_regime: NotRequired[str]  # catalogue.LegalRegime: "report" unless the request calls for a decision
    implicit_decision_months: NotRequired[int]
    location_mode: NotRequired[str]  # catalogue.LocationMode: the location block (address, map) of issue 17
    position_public: NotRequired[bool]  # Open311 publishes the place (default); False for a request at one's home
    fields: tuple[FieldSpec, ...]


class AgentSpec(NamedTuple):
    username: str
    first_name: str
    last_name: str
    role: str
    services: tuple[str, ...]  # service slugs


COMMUNE: dict[str, str] = {
    "name": "Mairie de Villebrune-sur-Loire",
    "address": "Hôtel de ville\n1 place de la République\n45270 Villebrune-sur-Loire",
    "email": f"contact@{DOMAIN}",
    "phone": "02 38 00 12 34",
    "website": f"https://www.{DOMAIN}",
    "dpo_name": "Centre de gestion du Loiret (délégué mutualisé)",
    "dpo_email": f"dpo@{DOMAIN}",
    "accessibility_rgaa_version": "4.1",
    "opening_hours": (
        "Du lundi au vendredi : 8 h 30 – 12 h et 13 h 30 – 17 h 30\n"
        "Samedi : 9 h – 12 h (état civil uniquement)\n"
        "Fermée le dimanche et les jours fériés"
    ),
}

# (slug, name); the service mailbox is <slug>@DOMAIN.
SERVICES: tuple[tuple[str, str], ...] = (
    ("accueil", "Accueil"),
    ("etat-civil", "État civil"),
    ("voirie", "Voirie"),
    ("proprete", "Propreté"),
    ("urbanisme", "Urbanisme"),
    ("enfance", "Enfance et scolaire"),
    ("ccas", "CCAS"),
    ("police", "Police municipale"),
)

# (slug, name), in display order.
THEMES: tuple[tuple[str, str], ...] = (
    ("cadre-de-vie", "Cadre de vie"),
    ("etat-civil", "État civil et citoyenneté"),
    ("famille", "Famille et enfance"),
    ("solidarite", "Solidarité"),
    ("urbanisme", "Urbanisme et logement"),
    ("securite", "Sécurité et tranquillité"),
    ("vie-locale", "Vie locale et associations"),
    ("autres", "Autres questions"),
)

ADDRESS: FieldSpec = {
    "code": "adresse",
    "label": "Adresse ou lieu précis",
    "kind": K.ADDRESS,
    "help_text": "Numéro et nom de la rue, ou un repère proche (école, arrêt de bus…).",
}
PHOTO: FieldSpec = {"code": "photo", "label": "Photo", "kind": K.FILE, "required": False}
SCHOOLS = ("École Jules-Ferry", "École des Tilleuls", "École du Bourg")

# fmt: off
REQUEST_TYPES: tuple[RequestTypeSpec, ...] = (
    {
        "slug": "nid-de-poule",
        "name": "Signaler un nid-de-poule ou une chaussée dégradée",
        "theme": "cadre-de-vie",
        "service": "voirie",
        "deadline_days": 10,
        "description": "Trou, affaissement ou revêtement abîmé sur une rue ou un trottoir de la commune : "
        "indiquez le lieu précis, nos équipes viennent sécuriser puis réparer.",
        "location_mode": "both",
        "fields": (
            {"code": "description", "label": "Description du problème", "kind": K.LONG_TEXT},
            {"code": "danger", "label": "Y a-t-il un danger immédiat ?", "kind": K.CHOICE,
             "choices": ("Oui, pour les piétons ou les véhicules", "Non, pas de danger immédiat")},
            PHOTO,
        ),
    },
    {
        "slug": "eclairage-public",
        "name": "Signaler un éclairage public en panne",
        "theme": "cadre-de-vie",
        "service": "voirie",
        "deadline_days": 5,
        "description": "Un lampadaire éteint, qui clignote ou reste allumé en journée ? "
        "Signalez-le pour que l'électricien de la commune intervienne.",
        "location_mode": "map",
        "fields": (
            {"code": "panne", "label": "Nature de la panne", "kind": K.CHOICE,
             "choices": ("Le lampadaire ne s'allume plus", "Il clignote", "Il reste allumé en journée",
                         "Toute la rue est dans le noir")},
            {"code": "lampadaire", "label": "Numéro inscrit sur le lampadaire", "kind": K.SHORT_TEXT,
             "required": False, "help_text": "Souvent sur une petite plaque à hauteur des yeux."},
        ),
    },
    {
        "slug": "depot-sauvage",
        "name": "Signaler un dépôt sauvage de déchets",
        "theme": "cadre-de-vie",
        "service": "proprete",
        "deadline_days": 5,
        "description": "Des déchets ont été abandonnés sur la voie publique ou dans la nature : "
        "indiquez où et de quoi il s'agit, le service Propreté organise l'enlèvement.",
        "fields": (
            ADDRESS,
            {"code": "dechets", "label": "Types de déchets", "kind": K.MULTIPLE_CHOICE,
             "choices": ("Sacs d'ordures ménagères", "Gravats", "Meubles ou électroménager", "Pneus",
                         "Déchets verts", "Autre")},
            {"code": "description", "label": "Précisions (quantité, accès…)", "kind": K.LONG_TEXT},
            PHOTO,
        ),
    },
    {
        "slug": "graffiti",
        "name": "Demander l'effacement d'un graffiti ou d'un tag",
        "theme": "cadre-de-vie",
        "service": "proprete",
        "deadline_days": 15,
        "description": "La commune efface gratuitement les tags visibles depuis la rue, "
        "y compris sur les façades privées avec l'accord du propriétaire.",
        "fields": (
            ADDRESS,
            {"code": "support", "label": "Où se trouve le tag ?", "kind": K.CHOICE,
             "choices": ("Bâtiment public", "Façade d'une maison ou d'un immeuble", "Mur ou clôture",
                         "Mobilier urbain (abribus, banc, panneau…)")},
            {"code": "qualite", "label": "Vous êtes", "kind": K.CHOICE,
             "choices": ("Propriétaire du mur", "Locataire ou syndic", "Passant ou voisin")},
            PHOTO,
        ),
    },
    {
        "slug": "encombrants",
        "name": "Demander l'enlèvement d'encombrants",
        "theme": "cadre-de-vie",
        "service": "proprete",
        "deadline_days": 10,
        "position_public": False,  # collected in front of the citizen's home
        "description": "Pour les objets trop volumineux pour la poubelle ou la voiture : "
        "nous vous proposons une date de passage, à sortir la veille au soir devant chez vous.",
        "fields": (
            {**ADDRESS, "label": "Adresse d'enlèvement", "help_text": ""},
            {"code": "objets", "label": "Objets à enlever", "kind": K.MULTIPLE_CHOICE,
             "choices": ("Meubles", "Électroménager", "Literie", "Ferraille", "Autres objets")},
            {"code": "description", "label": "Liste des objets", "kind": K.LONG_TEXT,
             "help_text": "Par exemple : un canapé trois places, un réfrigérateur."},
            {"code": "volume", "label": "Volume approximatif (en m³)", "kind": K.NUMBER, "required": False},
            {"code": "telephone", "label": "Téléphone pour convenir du passage", "kind": K.PHONE},
        ),
    },
    {
        "slug": "acte-naissance",
        "name": "Demander un acte de naissance",
        "theme": "etat-civil",
        "service": "etat-civil",
        "deadline_days": 10,
        "description": "Pour les personnes nées à Villebrune-sur-Loire. "
        "L'acte est gratuit et envoyé par courrier à l'adresse indiquée.",
        "fields": (
            {"code": "type-acte", "label": "Type d'acte", "kind": K.CHOICE,
             "choices": ("Copie intégrale", "Extrait avec filiation", "Extrait sans filiation"),
             "help_text": "En cas de doute, l'extrait avec filiation convient à la plupart des démarches."},
            {"code": "nom", "label": "Nom de naissance", "kind": K.SHORT_TEXT},
            {"code": "prenoms", "label": "Prénoms", "kind": K.SHORT_TEXT},
            {"code": "date-naissance", "label": "Date de naissance", "kind": K.DATE},
            {"code": "parents", "label": "Noms et prénoms des parents", "kind": K.SHORT_TEXT, "required": False,
             "help_text": "Nécessaire pour une copie intégrale ou un extrait avec filiation."},
            {"code": "lien", "label": "Vous êtes", "kind": K.CHOICE,
             "choices": ("La personne concernée", "Son père ou sa mère", "Son enfant", "Son époux ou épouse",
                         "Autre")},
            {"code": "exemplaires", "label": "Nombre d'exemplaires", "kind": K.NUMBER},
            {"code": "adresse-envoi", "label": "Adresse d'envoi", "kind": K.ADDRESS},
        ),
    },
    {
        "slug": "rendez-vous-identite",
        "name": "Prendre rendez-vous pour une carte d'identité ou un passeport",
        "theme": "etat-civil",
        "service": "etat-civil",
        "deadline_days": 3,
        "description": "Le dépôt du dossier et la prise d'empreintes se font en mairie sur rendez-vous. "
        "Faites d'abord votre pré-demande en ligne sur le site de l'ANTS.",
        "fields": (
            {"code": "titres", "label": "Titre demandé", "kind": K.MULTIPLE_CHOICE,
             "choices": ("Carte nationale d'identité", "Passeport")},
            {"code": "personnes", "label": "Nombre de personnes concernées", "kind": K.NUMBER},
            {"code": "date-souhaitee", "label": "À partir de quelle date êtes-vous disponible ?", "kind": K.DATE},
            {"code": "moment", "label": "Moment préféré", "kind": K.CHOICE,
             "choices": ("Matin", "Après-midi", "Indifférent")},
        ),
    },
    {
        "slug": "recensement-citoyen",
        "name": "Se faire recenser (recensement citoyen à 16 ans)",
        "theme": "etat-civil",
        "service": "etat-civil",
        "deadline_days": 10,
        "description": "Obligatoire dans les trois mois qui suivent le 16e anniversaire. "
        "L'attestation remise est demandée pour s'inscrire aux examens et au permis de conduire.",
        "fields": (
            {"code": "nom", "label": "Nom du jeune", "kind": K.SHORT_TEXT},
            {"code": "prenoms", "label": "Prénoms", "kind": K.SHORT_TEXT},
            {"code": "date-naissance", "label": "Date de naissance", "kind": K.DATE},
            {"code": "lieu-naissance", "label": "Commune de naissance", "kind": K.SHORT_TEXT},
            {"code": "adresse", "label": "Adresse du domicile", "kind": K.ADDRESS},
            {"code": "courriel-jeune", "label": "Courriel du jeune", "kind": K.EMAIL,
             "help_text": "Il servira à le convoquer à la Journée défense et citoyenneté."},
            {"code": "identite", "label": "Carte d'identité ou passeport (copie)", "kind": K.FILE, "required": False},
            {"code": "livret-famille", "label": "Livret de famille (copie)", "kind": K.FILE, "required": False},
        ),
    },
    {
        "slug": "attestation-accueil",
        "name": "Demander une attestation d'accueil",
        "theme": "etat-civil",
        "service": "etat-civil",
        "deadline_days": 15,
        # The mayor's silence for one month means refusal (CESEDA).
        "legal_regime": "svr",
        "implicit_decision_months": 1,
        "description": "Pour héberger chez vous un proche étranger venant pour moins de trois mois. "
        "Nous vous rappelons pour fixer un rendez-vous ; un timbre fiscal de 30 € sera demandé.",
        "fields": (
            {"code": "visiteur", "label": "Nom et prénom de la personne accueillie", "kind": K.SHORT_TEXT},
            {"code": "nationalite", "label": "Nationalité", "kind": K.SHORT_TEXT},
            {"code": "date-arrivee", "label": "Date d'arrivée prévue", "kind": K.DATE},
            {"code": "duree", "label": "Durée du séjour (en jours)", "kind": K.NUMBER},
            {"code": "adresse", "label": "Adresse du logement", "kind": K.ADDRESS},
            {"code": "justificatifs", "label": "Justificatif de domicile", "kind": K.FILE, "required": False},
        ),
    },
    {
        "slug": "inscription-scolaire",
        "name": "Inscrire un enfant à l'école",
        "theme": "famille",
        "service": "enfance",
        "deadline_days": 15,
        "requires_account": True,
        "requires_family_member": True,
        "description": "Pour une première inscription en maternelle ou élémentaire, ou après un déménagement. "
        "L'affectation dans une école vous est confirmée par courrier.",
        "fields": (
            {"code": "niveau", "label": "Classe à la rentrée", "kind": K.CHOICE,
             "choices": ("Petite section", "Moyenne section", "Grande section", "CP", "CE1", "CE2", "CM1", "CM2")},
            {"code": "ecole", "label": "École souhaitée", "kind": K.CHOICE, "choices": (*SCHOOLS, "Pas de préférence")},
            {"code": "domicile", "label": "Justificatif de domicile", "kind": K.FILE, "required": False},
        ),
    },
    {
        "slug": "inscription-cantine",
        "name": "Inscrire un enfant à la cantine",
        "theme": "famille",
        "service": "enfance",
        "deadline_days": 5,
        "requires_account": True,
        "requires_family_member": True,
        "description": "Inscription au restaurant scolaire pour l'année ou en cours d'année. "
        "Le tarif dépend de votre quotient familial, enregistré dans votre espace famille.",
        "fields": (
            {"code": "ecole", "label": "École", "kind": K.CHOICE, "choices": SCHOOLS},
            {"code": "jours", "label": "Jours de cantine", "kind": K.MULTIPLE_CHOICE,
             "choices": ("Lundi", "Mardi", "Jeudi", "Vendredi")},
            {"code": "date-debut", "label": "À partir du", "kind": K.DATE},
            {"code": "repas", "label": "Repas", "kind": K.CHOICE,
             "choices": ("Standard", "Sans porc", "Sans viande", "Panier repas (PAI)")},
            {"code": "allergies", "label": "Allergies ou informations utiles", "kind": K.LONG_TEXT,
             "required": False},
        ),
    },
    {
        "slug": "rendez-vous-ccas",
        "name": "Demander une aide ou un rendez-vous au CCAS",
        "theme": "solidarite",
        "service": "ccas",
        "deadline_days": 5,
        # A financial request: silence means rejection after two months (CRPA L231-4, 3°).
        "legal_regime": "svr",
        "implicit_decision_months": 2,
        "description": "Le centre communal d'action sociale vous écoute et vous aide : aide alimentaire, factures, "
        "logement, démarches. Votre demande reste confidentielle.",
        "fields": (
            {"code": "objet", "label": "Votre demande concerne", "kind": K.CHOICE,
             "choices": ("Aide alimentaire", "Factures (énergie, eau, loyer)", "Logement",
                         "Aide pour des démarches administratives", "Personne âgée ou handicapée", "Autre")},
            {"code": "situation", "label": "Expliquez votre situation en quelques mots", "kind": K.LONG_TEXT},
            {"code": "foyer", "label": "Nombre de personnes dans le foyer", "kind": K.NUMBER},
            {"code": "disponibilites", "label": "Vos disponibilités pour un rendez-vous", "kind": K.MULTIPLE_CHOICE,
             "choices": ("Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi")},
            {"code": "telephone", "label": "Téléphone pour vous rappeler", "kind": K.PHONE},
        ),
    },
    {
        "slug": "question-urbanisme",
        "name": "Poser une question d'urbanisme (travaux, déclaration préalable)",
        "theme": "urbanisme",
        "service": "urbanisme",
        "deadline_days": 15,
        "description": "Clôture, abri de jardin, extension, piscine : le service Urbanisme vous dit "
        "quelle autorisation demander et ce que permet le plan local d'urbanisme.",
        "fields": (
            {"code": "projet", "label": "Votre projet", "kind": K.CHOICE,
             "choices": ("Clôture ou portail", "Abri de jardin", "Extension ou véranda", "Piscine",
                         "Façade, toiture ou fenêtres", "Panneaux solaires", "Autre")},
            {"code": "adresse", "label": "Adresse du terrain", "kind": K.ADDRESS},
            {"code": "parcelle", "label": "Référence cadastrale", "kind": K.SHORT_TEXT, "required": False,
             "help_text": "Par exemple AB 123 ; elle figure sur votre acte de propriété."},
            {"code": "question", "label": "Votre question", "kind": K.LONG_TEXT},
            {"code": "plan", "label": "Plan ou croquis", "kind": K.FILE, "required": False},
        ),
    },
    {
        "slug": "vehicule-ventouse",
        "name": "Signaler un véhicule ventouse ou abandonné",
        "theme": "securite",
        "service": "police",
        "deadline_days": 10,
        "description": "Un véhicule stationné au même endroit depuis plus de sept jours est en infraction. "
        "La police municipale vérifie et fait enlever le véhicule si nécessaire.",
        "fields": (
            ADDRESS,
            {"code": "immatriculation", "label": "Immatriculation", "kind": K.SHORT_TEXT},
            {"code": "vehicule", "label": "Marque, modèle et couleur", "kind": K.SHORT_TEXT},
            {"code": "depuis", "label": "Stationné depuis le (environ)", "kind": K.DATE},
            PHOTO,
        ),
    },
    {
        "slug": "arrete-stationnement",
        "name": "Demander un arrêté de stationnement pour un déménagement",
        "theme": "securite",
        "service": "police",
        "deadline_days": 10,
        # Permission de voirie for a removal van: silence means acceptance after two months (CRPA L231-1).
        "legal_regime": "sva",
        "implicit_decision_months": 2,
        "description": "Pour réserver des places devant chez vous le jour d'un déménagement ou d'une livraison. "
        "Faites la demande au moins dix jours ouvrés à l'avance.",
        "fields": (
            {"code": "adresse", "label": "Adresse du stationnement", "kind": K.ADDRESS},
            {"code": "date", "label": "Date du déménagement", "kind": K.DATE},
            {"code": "places", "label": "Nombre de places de stationnement", "kind": K.NUMBER},
            {"code": "vehicule", "label": "Véhicule", "kind": K.CHOICE,
             "choices": ("Voiture avec remorque", "Camionnette", "Camion de déménagement")},
            {"code": "demenageur", "label": "Entreprise de déménagement", "kind": K.SHORT_TEXT, "required": False},
            {"code": "courriel-demenageur", "label": "Courriel de l'entreprise", "kind": K.EMAIL, "required": False,
             "help_text": "Nous lui enverrons aussi une copie de l'arrêté."},
        ),
    },
    {
        "slug": "reservation-salle",
        "name": "Réserver une salle municipale",
        "theme": "vie-locale",
        "service": "accueil",
        "deadline_days": 10,
        "description": "Pour une fête de famille, une réunion ou un événement associatif. "
        "Nous vérifions la disponibilité et vous envoyons le contrat et les tarifs.",
        "fields": (
            {"code": "salle", "label": "Salle", "kind": K.CHOICE,
             "choices": ("Salle des fêtes (200 personnes)", "Salle Jean-Moulin (60 personnes)",
                         "Salle de réunion de la mairie (20 personnes)")},
            {"code": "date", "label": "Date souhaitée", "kind": K.DATE},
            {"code": "personnes", "label": "Nombre de personnes attendues", "kind": K.NUMBER},
            {"code": "equipements", "label": "Équipements souhaités", "kind": K.MULTIPLE_CHOICE, "required": False,
             "choices": ("Tables et chaises", "Sonorisation", "Vidéoprojecteur", "Cuisine équipée", "Scène")},
            {"code": "organisateur", "label": "Vous réservez en tant que", "kind": K.CHOICE,
             "choices": ("Habitant de la commune", "Association", "Entreprise", "Personne extérieure à la commune")},
            {"code": "evenement", "label": "Nature de l'événement", "kind": K.LONG_TEXT},
        ),
    },
    {
        "slug": "question-mairie",
        "name": "Poser une question à la mairie",
        "theme": "autres",
        "service": "accueil",
        "deadline_days": 10,
        "description": "Vous ne trouvez pas la démarche qui correspond à votre besoin ? "
        "Posez votre question, l'accueil la transmet au bon service.",
        "fields": ({"code": "question", "label": "Votre question", "kind": K.LONG_TEXT},),
    },
    {
        # The accessibility declaration's feedback means (compliance.accessibility.FEEDBACK_REQUEST_TYPE_SLUG).
        "slug": "signaler-un-defaut-d-accessibilite",
        "name": "Signaler un défaut d'accessibilité",
        "theme": "autres",
        "service": "accueil",
        "deadline_days": 5,
        "description": "Un contenu ou une fonction du site vous est inaccessible ? Dites-le nous : "
        "nous vous apportons l'information ou le service sous une autre forme.",
        "fields": (
            {"code": "page", "label": "Page ou démarche concernée", "kind": K.SHORT_TEXT, "required": False},
            {"code": "probleme", "label": "Difficulté rencontrée", "kind": K.LONG_TEXT},
            {"code": "alternative", "label": "Forme souhaitée pour la réponse (courrier, téléphone…)",
             "kind": K.SHORT_TEXT, "required": False},
        ),
    },
)
# fmt: on

# Every demo agent gets the password given to the command; only the administrator gets the Django admin.
AGENTS: tuple[AgentSpec, ...] = (
    AgentSpec("admin", "Nathalie", "Garnier", Role.ADMINISTRATOR, ()),
    AgentSpec("responsable", "Philippe", "Moreau", Role.SUPERVISOR, ()),
    AgentSpec("accueil", "Sandrine", "Lefèvre", Role.RECEPTION, ("accueil",)),
    AgentSpec("courrier", "Karim", "Benali", Role.MAIL_ROOM, ("accueil",)),
    AgentSpec("relation", "Émilie", "Roux", Role.SERVICE_AGENT, ("accueil",)),
    AgentSpec("etatcivil1", "Martine", "Dubois", Role.SERVICE_AGENT, ("etat-civil",)),
    AgentSpec("etatcivil2", "Thomas", "Nguyen", Role.SERVICE_AGENT, ("etat-civil",)),
    AgentSpec("voirie1", "Jean-Marc", "Petit", Role.SERVICE_AGENT, ("voirie",)),
    AgentSpec("voirie2", "Sébastien", "Fontaine", Role.SERVICE_AGENT, ("voirie", "proprete")),
    AgentSpec("proprete1", "Nadia", "Haddad", Role.SERVICE_AGENT, ("proprete",)),
    AgentSpec("proprete2", "Julien", "Mercier", Role.SERVICE_AGENT, ("proprete",)),
    AgentSpec("urbanisme1", "Claire", "Lambert", Role.SERVICE_AGENT, ("urbanisme",)),
    AgentSpec("urbanisme2", "Olivier", "Girard", Role.SERVICE_AGENT, ("urbanisme",)),
    AgentSpec("enfance1", "Sophie", "Martin", Role.SERVICE_AGENT, ("enfance",)),
    AgentSpec("enfance2", "Aurélie", "Chevalier", Role.SERVICE_AGENT, ("enfance",)),
    AgentSpec("ccas1", "Fatima", "Ait Ali", Role.SERVICE_AGENT, ("ccas",)),
    AgentSpec("ccas2", "Bernard", "Leroy", Role.SERVICE_AGENT, ("ccas",)),
    AgentSpec("police1", "David", "Rousseau", Role.SERVICE_AGENT, ("police",)),
    AgentSpec("police2", "Laura", "Blanc", Role.SERVICE_AGENT, ("police",)),
)

# (service slug or None for every service, title, body): placeholders are listed in backoffice/models.py.
REPLY_TEMPLATES: tuple[tuple[str | None, str, str], ...] = (
    (
        None,
        "Accusé de prise en charge",
        "Bonjour {{ usager }},\n\nVotre demande {{ reference }} ({{ demarche }}) est prise en charge par le "
        "service {{ service }}. Nous vous répondrons au plus tard le {{ echeance }}.\n\nBien cordialement,\n"
        "{{ agent }}",
    ),
    (
        None,
        "Demande de complément",
        "Bonjour {{ usager }},\n\nPour traiter votre demande {{ reference }}, nous avons besoin de précisions : "
        "\n\n- \n\nVous pouvez nous répondre directement depuis votre suivi en ligne.\n\nBien cordialement,\n"
        "{{ agent }}",
    ),
    (
        "voirie",
        "Intervention programmée",
        "Bonjour {{ usager }},\n\nMerci pour votre signalement. Une équipe de la voirie interviendra dans les "
        "prochains jours ; nous vous préviendrons une fois les travaux terminés.\n\nBien cordialement,\n{{ agent }}",
    ),
    (
        "etat-civil",
        "Acte envoyé par courrier",
        "Bonjour {{ usager }},\n\nL'acte demandé ({{ reference }}) vous a été envoyé aujourd'hui par courrier à "
        "l'adresse indiquée.\n\nBien cordialement,\n{{ agent }}, service État civil",
    ),
)


class CitizenAccountSpec(NamedTuple):
    email: str
    first_name: str
    last_name: str
    phone: str
    street: str
    postcode: str
    city: str
    household: tuple[tuple[str, str, str, str], ...]  # first name, last name, birth date (ISO), relationship


# A citizen account (espace famille) to try /compte/ and the family requests.
CITIZEN_ACCOUNTS: tuple[CitizenAccountSpec, ...] = (
    CitizenAccountSpec(
        email="helene.lefevre@example.org",
        first_name="Hélène",
        last_name="Lefèvre",
        phone="+33612345678",
        street="12 rue de l'Église",
        postcode="45270",
        city="Villebrune-sur-Loire",
        household=(
            ("Lucas", "Lefèvre", "2018-03-14", "child"),
            ("Chloé", "Lefèvre", "2021-09-02", "child"),
        ),
    ),
)


# Letters waiting in the mail room (drawn as scans by seed_demo, then read by the worker's OCR).
# The first writer has neither email nor phone: the answer will go by post.
DEMO_LETTERS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (
        "courrier-martin.png",
        3,
        (
            "Monsieur Jacques Martin",
            "4 chemin des Vignes",
            "45270 Villebrune-sur-Loire",
            "",
            "Monsieur le Maire,",
            "Un arbre du jardin public penche dangereusement",
            "au-dessus du chemin des Vignes depuis la tempête.",
            "Je vous prie d'agréer mes salutations distinguées.",
        ),
    ),
    (
        "courrier-benoit.png",
        1,
        (
            "Madame Sophie Benoît",
            "18 avenue de la Gare",
            "45270 Villebrune-sur-Loire",
            "sophie.benoit@example.org",
            "Tél. 06 98 76 54 32",
            "",
            "Madame, Monsieur,",
            "Je souhaite réserver la salle des fêtes le samedi 6 juin",
            "pour le mariage de ma fille (environ 80 personnes).",
        ),
    ),
)


# The past of the demo (``guichet/demo/history.py``): invented people and texts, no real personal data.
# The random draws are seeded: every run plans the same requests, in the same order, on the same days
# (counted back from the day of the run).
HISTORY_SEED = 20260601
HISTORY_TICKETS = 320
HISTORY_DAYS = 182

# fmt: off
FIRST_NAMES = (
    "Alice", "Bruno", "Camille", "Didier", "Élodie", "François", "Gisèle", "Hugo", "Inès", "Jacques",
    "Karine", "Louis", "Manon", "Nicolas", "Océane", "Pascal", "Rachida", "Serge", "Valérie", "Yannick",
)
LAST_NAMES = (
    "Bertin", "Carré", "Delorme", "Estève", "Ferrand", "Gauthier", "Hamon", "Jacquet", "Lemaire", "Marchal",
    "Naudin", "Pichon", "Renaud", "Schmitt", "Tessier", "Vallée",
)
STREETS = (
    "rue de la Loire", "avenue de la Gare", "rue des Écoles", "chemin des Vignes", "place du Marché",
    "rue Victor-Hugo", "allée des Tilleuls", "impasse du Moulin", "rue Pasteur", "boulevard Jean-Jaurès",
    "rue des Lavandières", "route d'Orléans",
)
# fmt: on

# What the citizens wrote, per request type (the first long-text answer of the form).
REQUEST_TEXTS: dict[str, tuple[str, ...]] = {
    "nid-de-poule": (
        "Un trou d'une vingtaine de centimètres s'est formé devant le numéro {n}, les voitures font un écart.",
        "La chaussée s'affaisse près du passage piéton, on se tord la cheville en traversant.",
        "Plusieurs nids-de-poule après les pluies, surtout au carrefour.",
    ),
    "eclairage-public": (
        "Le lampadaire en face du numéro {n} ne s'allume plus depuis une semaine.",
        "Toute la rue est dans le noir le soir, c'est inquiétant pour les enfants qui rentrent.",
    ),
    "depot-sauvage": (
        "Un matelas et des sacs de gravats ont été déposés au bord du chemin.",
        "Des sacs poubelle éventrés s'entassent près des conteneurs à verre.",
        "Un vieux canapé abandonné sur le trottoir depuis trois jours.",
    ),
    "graffiti": (
        "Un tag sur le mur de l'école, visible depuis la rue.",
        "Des inscriptions à la peinture sur l'abribus.",
    ),
    "encombrants": (
        "Un réfrigérateur et un sommier à enlever.",
        "Une armoire démontée, deux chaises et une table de jardin.",
    ),
    "acte-naissance": (
        "Copie intégrale demandée pour un dossier de mariage.",
        "Extrait avec filiation pour le renouvellement d'une carte d'identité.",
    ),
    "rendez-vous-identite": (
        "Pré-demande faite sur le site de l'ANTS, passeport pour un voyage en juillet.",
        "Renouvellement de la carte d'identité de mes deux enfants.",
    ),
    "recensement-citoyen": ("Recensement de mon fils qui a eu 16 ans le mois dernier.",),
    "attestation-accueil": ("Je souhaite accueillir ma sœur pendant trois semaines cet été.",),
    "inscription-scolaire": ("Première inscription en maternelle à la rentrée.",),
    "inscription-cantine": ("Cantine les lundis et jeudis à partir du mois prochain.",),
    "rendez-vous-ccas": (
        "Facture d'électricité impayée après une longue maladie, je voudrais être conseillée.",
        "Besoin d'aide pour remplir un dossier de retraite.",
        "Je cherche un logement plus petit depuis le décès de mon mari.",
    ),
    "question-urbanisme": (
        "Faut-il une déclaration préalable pour un abri de jardin de 12 m² ?",
        "Je voudrais remplacer ma clôture par un mur de 1,80 m, est-ce autorisé ?",
        "Peut-on poser des panneaux solaires sur un toit en ardoise dans le centre ancien ?",
    ),
    "vehicule-ventouse": (
        "Une voiture grise n'a pas bougé depuis plus de trois semaines, pneus à plat.",
        "Une camionnette sans plaque stationnée sur le parking de la salle des fêtes.",
    ),
    "arrete-stationnement": ("Déménagement prévu un samedi matin, deux places nécessaires devant le {n}.",),
    "reservation-salle": (
        "Anniversaire des 80 ans de ma mère, une cinquantaine de personnes.",
        "Assemblée générale de l'association des parents d'élèves.",
    ),
    "question-mairie": (
        "À quelle heure ouvre la déchetterie le samedi ?",
        "Comment obtenir une carte de stationnement résident ?",
        "Les horaires de la bibliothèque changent-ils pendant les vacances ?",
    ),
    "signaler-un-defaut-d-accessibilite": (
        "Le plan de la démarche voirie ne se lit pas avec mon lecteur d'écran.",
        "Le code reçu par SMS expire avant que je puisse le saisir.",
    ),
}

# What agents and citizens write in the threads.
AGENT_ACKNOWLEDGEMENTS = (
    "Bonjour,\n\nVotre demande est bien prise en charge par le service. Nous revenons vers vous rapidement.",
    "Bonjour,\n\nMerci pour votre message : nous l'étudions et vous tenons informé(e).",
)
AGENT_QUESTIONS = (
    "Bonjour,\n\nPourriez-vous nous préciser l'adresse exacte (numéro ou repère proche) ?",
    "Bonjour,\n\nPour traiter votre demande, merci de nous envoyer une copie de votre justificatif de domicile.",
    "Bonjour,\n\nQuel jour et à quelle heure pouvons-nous vous joindre par téléphone ?",
)
CITIZEN_REPLIES = (
    "Bonjour, c'est juste en face de la boulangerie, au niveau du numéro {n}.",
    "Voici le justificatif demandé, merci d'avance.",
    "Vous pouvez me joindre le matin avant 10 h.",
)
AGENT_ANSWERS = (
    "Bonjour,\n\nL'intervention a été réalisée ce jour. Merci pour votre signalement.",
    "Bonjour,\n\nVotre demande a été traitée ; vous trouverez la réponse détaillée ci-dessous. Bonne journée.",
    "Bonjour,\n\nC'est fait : le document vous a été envoyé par courrier à l'adresse indiquée.",
    "Bonjour,\n\nNous vous confirmons la date proposée. N'hésitez pas à nous recontacter si besoin.",
)
CITIZEN_REOPENINGS = (
    "Bonjour, le problème est revenu depuis hier, pouvez-vous repasser ?",
    "Merci, mais je n'ai toujours rien reçu à ce jour.",
)
AGENT_SECOND_ANSWERS = (
    "Bonjour,\n\nToutes nos excuses : l'équipe est repassée et c'est réglé cette fois.",
    "Bonjour,\n\nUn nouvel envoi vient d'être fait, vous devriez le recevoir sous deux jours.",
)
AGENT_REJECTIONS = (
    "Bonjour,\n\nCe lieu relève du Département et non de la commune : nous avons transmis votre signalement.",
    "Bonjour,\n\nSans réponse de votre part, nous classons la demande. Vous pouvez en déposer une nouvelle.",
    "Bonjour,\n\nCette demande fait doublon avec une demande déjà en cours de traitement.",
)
INTERNAL_NOTES = (
    "Vu avec l'équipe terrain, passage prévu cette semaine.",
    "Attention : même signalement l'an dernier, voir l'historique de la rue.",
    "En attente du retour du prestataire.",
    "Dossier incomplet, relancer si pas de nouvelles.",
)
FAILURE_ERRORS = (
    "SMTPRecipientsRefused: 550 5.1.1 <{email}>: adresse inconnue",
    "SMTPRecipientsRefused: 552 5.2.2 <{email}>: boîte aux lettres pleine",
)
