from django.urls import path

from guichet.mailroom.views import items, letters

urlpatterns = [
    path("", items.mail_list, name="mail_list"),
    path("deposer/", items.upload, name="mail_upload"),
    path("arriere/", items.backlog, name="mail_backlog"),
    path("lettres/", letters.letter_list, name="letters"),
    path("lettres/imprimer/", letters.print_batch, name="letters_print"),
    path("lettres/envoyees/", letters.mark_sent, name="letters_sent"),
    path("lettres/<str:public_id>/pdf/", letters.letter_file, name="letter_pdf"),
    path("<str:public_id>/", items.item_view, name="mail_item"),
    path("<str:public_id>/qualifier/", items.qualify, name="mail_qualify"),
    path("<str:public_id>/joindre/", items.attach, name="mail_attach"),
    path("<str:public_id>/decouper/", items.split, name="mail_split"),
    path("<str:public_id>/relire/", items.reread, name="mail_reread"),
    path("<str:public_id>/fichier/", items.scan_file, name="mail_file"),
    path("<str:public_id>/pages/<int:number>.png", items.page_image, name="mail_page"),
]
