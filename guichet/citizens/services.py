from guichet.citizens.models import Citizen, ContactChannel


def citizen_find_or_create(
    *, first_name: str, last_name: str, email: str = "", phone: str = "", preferred_channel: str
) -> Citizen:
    """Reuse the record of the same person (same name and same email or phone), else create one.

    Matching needs the name too: a shared family address must not merge two people.
    """
    email = email.strip().lower()
    contact_matches = Citizen.objects.none()
    if email:
        contact_matches = contact_matches | Citizen.objects.filter(email=email)
    if phone:
        contact_matches = contact_matches | Citizen.objects.filter(phone=phone)
    existing = (
        contact_matches.filter(first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip())
        .order_by("pk")
        .first()
    )
    if existing:
        changed = []
        for name, value in (("email", email), ("phone", phone), ("preferred_channel", preferred_channel)):
            if value and getattr(existing, name) != value:
                setattr(existing, name, value)
                changed.append(name)
        if changed:
            existing.full_clean()
            existing.save(update_fields=changed)
        return existing
    citizen = Citizen(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        phone=phone,
        preferred_channel=preferred_channel or ContactChannel.EMAIL,
    )
    citizen.full_clean()
    citizen.save()
    return citizen
