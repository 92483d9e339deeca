"""Team forms: add a person, change a member's role and publishing permission."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

ROLE_CHOICES = [SelectChoice("standard", "Standard"), SelectChoice("admin", "Admin")]


class MemberForm(FlaskForm):
    role = RadioField("Role", choices=ROLE_CHOICES, default="standard")
    can_publish = BooleanField("Can publish")


class AddMemberForm(MemberForm):
    email = EmailField("Email", validators=[DataRequired("Enter their email address."), Length(max=254),
                                            Email("Enter a valid email address.", check_deliverability=False)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
