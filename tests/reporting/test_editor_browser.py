import pytest

from reporting import services
from reporting.models import LetterKind, LetterTemplate
from tenancy.models import Role


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_preview_follows_the_text_and_warns_above_b1(page, live_server, log_in, member, municipality):
    services.create_default_letter_templates(municipality=municipality)
    template = LetterTemplate.objects.get(municipality=municipality, kind=LetterKind.NOT_AT_HOME)
    log_in(page, member(municipality, Role.ADMINISTRATOR))
    page.goto(f"{live_server.url}/reports/letter-templates/{template.pk}/")
    preview = page.locator("#preview")
    assert "Deze tekst is ongeveer op taalniveau B1." in preview.inner_text()

    page.fill(
        "#id_body",
        "Beste {{ naam }}, overeenkomstig de voornoemde wettelijke bepalingen informeren wij u hierbij "
        "omtrent de noodzakelijke vervolgstappen betreffende uw betalingsachterstand bij de gemeente.",
    )

    page.wait_for_selector("#preview .ds-readability--warn")
    assert "Beste J. de Vries, overeenkomstig" in preview.inner_text()
    assert "moeilijker dan B1" in preview.inner_text()
    assert LetterTemplate.objects.filter(municipality=municipality, kind=LetterKind.NOT_AT_HOME).count() == 1
