"""The contact phone becomes personal information kept the platform's way (tiaodu.core.pii): the
number encrypted, a keyed hash to find it, and a mask for lists. Existing numbers are moved."""

from django.db import migrations, models


def protect(apps, schema_editor):
    from tiaodu.core.pii import protected_columns

    Enterprise = apps.get_model("enterprises", "Enterprise")
    rows = list(Enterprise.objects.exclude(contact_phone="").only("pk", "contact_phone"))
    for row in rows:
        for name, value in protected_columns("contact_phone", row.contact_phone).items():
            setattr(row, name, value)
    Enterprise.objects.bulk_update(
        rows, ["contact_phone_enc", "contact_phone_hash", "contact_phone_mask"], batch_size=500
    )


def unprotect(apps, schema_editor):
    from tiaodu.core.pii import decrypt

    Enterprise = apps.get_model("enterprises", "Enterprise")
    rows = list(Enterprise.objects.exclude(contact_phone_enc=""))
    for row in rows:
        row.contact_phone = decrypt(row.contact_phone_enc, field="contact_phone")
    Enterprise.objects.bulk_update(rows, ["contact_phone"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("enterprises", "0004_servicerecord_policy")]

    operations = [
        migrations.AddField(
            model_name="enterprise",
            name="contact_phone_enc",
            field=models.TextField(blank=True, editable=False, verbose_name="联系电话(密文)"),
        ),
        migrations.AddField(
            model_name="enterprise",
            name="contact_phone_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="联系电话检索码"),
        ),
        migrations.AddField(
            model_name="enterprise",
            name="contact_phone_mask",
            field=models.CharField(blank=True, editable=False, max_length=32, verbose_name="联系电话"),
        ),
        migrations.RunPython(protect, unprotect),
        migrations.RemoveField(model_name="enterprise", name="contact_phone"),
    ]
