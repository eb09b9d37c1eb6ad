"""Quebec French formats: Django's fr_CA module, with the hour written "18 h 30".

Django's own fr_CA TIME_FORMAT leaves the "h" unescaped, which the date filter reads as the 12-hour clock
("18 06 30"); here it is escaped.
"""

from django.conf.locale.fr_CA.formats import *  # noqa: F403

TIME_FORMAT = "H\xa0\\h\xa0i"  # 13 h 40
DATETIME_FORMAT = "j F Y, H\xa0\\h\xa0i"  # 31 janvier 2024, 13 h 40
SHORT_DATETIME_FORMAT = "Y-m-d H\xa0\\h\xa0i"
