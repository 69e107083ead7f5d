"""English names of the categories of the reference data, for rows loaded before names had them.

Only empty English names are filled, by category code; the names are copied here as they were.
"""

from django.db import migrations

NAMES_EN = {
    "GA01": "Public opinion",
    "GA01-01": "Opinions and suggestions",
    "GA01-02": "Residents' requests",
    "GA01-03": "Public sentiment",
    "GA01-04": "Praise and thanks",
    "GA02": "Disputes",
    "GA02-01": "Neighbour disputes",
    "GA02-02": "Family disputes",
    "GA02-03": "Property management disputes",
    "GA02-04": "Land / homestead disputes",
    "GA02-05": "Labour disputes",
    "GA03": "Safety hazards",
    "GA03-01": "Unsafe charging cables",
    "GA03-02": "Blocked fire lanes",
    "GA03-03": "Items piled in stairwells",
    "GA03-04": "Gas hazards",
    "GA03-05": "Dangerous buildings",
    "GA03-06": "Falling object hazards",
    "GA04": "Services for special groups",
    "GA04-01": "Care for elderly living alone",
    "GA04-02": "Help for people with disabilities",
    "GA04-03": "Care for children in difficulty or left behind",
    "GA04-04": "Community corrections and resettlement",
    "GA04-05": "Care for people with severe mental illness",
    "GA05": "Public services and errands",
    "GA05-01": "Social and medical insurance errands",
    "GA05-02": "Licence and certificate errands",
    "GA05-03": "Subsistence allowance and emergency aid",
    "GA05-04": "Employment help",
    "GA05-05": "Elderly care services",
    "GA06": "Information collection",
    "GA06-01": "Population changes",
    "GA06-02": "Housing changes",
    "GA06-03": "Rented housing registration",
    "GA06-04": "Migrant population registration",
    "GA06-05": "Organisations and shops",
    "GA07": "Policy outreach",
    "GA07-01": "Welfare policy outreach",
    "GA07-02": "Legal education",
    "GA07-03": "Anti-fraud outreach",
    "GA07-04": "Work safety and disaster prevention outreach",
    "CM01": "City appearance and environment",
    "CM01-01": "Waste collection",
    "CM01-02": "Dirty roads",
    "CM01-03": "Illegal structures",
    "CM01-04": "Broken sewage pipes",
    "CM01-05": "Broken street lights",
    "CM01-06": "Cooking fumes and noise",
    "CM02": "Advertising",
    "CM02-01": "Unauthorised outdoor advertising",
    "CM02-02": "Illegal flyers",
    "CM02-03": "Unauthorised banners",
    "CM02-04": "Damaged shop signs",
    "CM03": "Construction",
    "CM03-01": "Construction noise",
    "CM03-02": "Construction occupying roads",
    "CM03-03": "Construction site dust",
    "CM03-04": "Spillage from muck trucks",
    "CM03-05": "Unlicensed construction",
    "CM04": "Street order",
    "CM04-01": "Street vending on the road",
    "CM04-02": "Unlicensed hawkers",
    "CM04-03": "Business outside shop fronts",
    "CM04-04": "Illegal parking",
    "CM04-05": "Materials piled in the street",
    "CM05": "Emergencies",
    "CM05-01": "Road collapse",
    "CM05-02": "Burst water mains",
    "CM05-03": "Gas leaks",
    "CM05-04": "Flooded roads",
    "CM05-05": "Missing manhole covers",
    "CM05-06": "Fires",
    "CM06": "Other",
    "CM06-01": "Stray animals",
    "CM06-02": "Dog keeping violations",
    "CM06-03": "Other matters",
    "PS01": "Property services",
    "PS01-01": "Lift breakdowns",
    "PS01-02": "Repairs of shared facilities",
    "PS01-03": "Cleaning",
    "PS01-04": "Landscaping",
    "PS01-05": "Security and access control",
    "PS01-06": "Fee disputes",
}


def forwards(apps, schema_editor):
    CaseCategory = apps.get_model("cases", "CaseCategory")
    for category in CaseCategory.objects.filter(name_en="", code__in=list(NAMES_EN)):
        category.name_en = NAMES_EN[category.code]
        category.save(update_fields=["name_en"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_casecategory_name_en")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
