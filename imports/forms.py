from django import forms
from django.utils.translation import gettext_lazy as _

from imports.kinds import all_kinds


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(label=_("File (CSV, XLSX, or for loans a ZIP of CSV files)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.key, kind.title) for kind in all_kinds()]

    def clean_file(self):
        file = self.cleaned_data["file"]
        if not file.name.lower().endswith((".csv", ".xlsx", ".txt", ".zip")):
            raise forms.ValidationError(_("Send a CSV or XLSX file."))
        return file
