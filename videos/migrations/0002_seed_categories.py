"""The categories a new platform starts with; staff edit them in the admin."""

from django.db import migrations

CATEGORIES = [
    ("film-animation", "Film & Animation"),
    ("autos-vehicles", "Autos & Vehicles"),
    ("music", "Music"),
    ("pets-animals", "Pets & Animals"),
    ("sports", "Sports"),
    ("travel-events", "Travel & Events"),
    ("gaming", "Gaming"),
    ("people-blogs", "People & Blogs"),
    ("comedy", "Comedy"),
    ("entertainment", "Entertainment"),
    ("news-politics", "News & Politics"),
    ("howto-style", "Howto & Style"),
    ("education", "Education"),
    ("science-technology", "Science & Technology"),
    ("nonprofits-activism", "Nonprofits & Activism"),
]


def seed(apps, schema_editor):
    Category = apps.get_model("videos", "Category")
    for position, (slug, name) in enumerate(CATEGORIES):
        Category.objects.get_or_create(slug=slug, defaults={"name": name, "position": position})


def unseed(apps, schema_editor):
    Category = apps.get_model("videos", "Category")
    Category.objects.filter(slug__in=[slug for slug, _ in CATEGORIES], videos=None).delete()


class Migration(migrations.Migration):
    dependencies = [("videos", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
