"""Persian names with passport-style Latin spellings, for synthetic records.

Common given names and family names; compound names keep their zero-width non-joiner
(``روح‌الله``) as registrars type them. Father's names are drawn from the male given names.
"""

from __future__ import annotations


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """``"فارسی:Latin ..."`` lines into (Persian, Latin) pairs."""
    return tuple((fa, latin) for fa, _, latin in (item.partition(":") for item in text.split()))


MALE: tuple[tuple[str, str], ...] = _pairs("""
محمد:Mohammad علی:Ali حسین:Hossein رضا:Reza مهدی:Mahdi امیر:Amir حسن:Hassan
محمدرضا:Mohammadreza علیرضا:Alireza امیرحسین:Amirhossein سعید:Saeed مجید:Majid حمید:Hamid
مسعود:Masoud مصطفی:Mostafa محسن:Mohsen احمد:Ahmad جواد:Javad سجاد:Sajjad میلاد:Milad
یاسر:Yaser کاظم:Kazem ابوالفضل:Abolfazl پویا:Pouya آرش:Arash بهرام:Bahram داریوش:Dariush
فرهاد:Farhad کامران:Kamran بهنام:Behnam پیمان:Peyman نیما:Nima سینا:Sina عرفان:Erfan
امید:Omid وحید:Vahid روح‌الله:Rouhollah حبیب‌الله:Habibollah عبدالله:Abdollah یوسف:Yousef
ابراهیم:Ebrahim اسماعیل:Esmaeil مرتضی:Morteza هادی:Hadi صادق:Sadegh باقر:Bagher تقی:Taghi
جعفر:Jafar کیوان:Keyvan سیاوش:Siavash شهرام:Shahram فرزاد:Farzad بابک:Babak رامین:Ramin
اکبر:Akbar اصغر:Asghar قاسم:Ghasem ناصر:Naser منصور:Mansour هومن:Houman آرمین:Armin
محمدحسین:Mohammadhossein محمدعلی:Mohammadali محمدمهدی:Mohammadmahdi امیرعلی:Amirali
نادر:Nader کوروش:Kourosh یاسین:Yasin طاها:Taha
""")

FEMALE: tuple[tuple[str, str], ...] = _pairs("""
فاطمه:Fatemeh زهرا:Zahra مریم:Maryam معصومه:Masoumeh زینب:Zeynab سمیه:Somayeh نرگس:Narges
الهام:Elham مهسا:Mahsa سارا:Sara نازنین:Nazanin لیلا:Leila نسرین:Nasrin شیما:Shima مینا:Mina
پریسا:Parisa فرزانه:Farzaneh سمانه:Samaneh طاهره:Tahereh مهدیه:Mahdieh نیلوفر:Niloufar
آزاده:Azadeh راضیه:Razieh رقیه:Roghayeh کوثر:Kosar حدیث:Hadis ریحانه:Reyhaneh فائزه:Faezeh
نگین:Negin هانیه:Hanieh یاسمن:Yasaman الناز:Elnaz بهاره:Bahareh شیرین:Shirin ترانه:Taraneh
پروانه:Parvaneh اعظم:Azam اکرم:Akram منیژه:Manijeh صدیقه:Sedigheh حمیده:Hamideh سپیده:Sepideh
آتنا:Atena مهناز:Mahnaz ژیلا:Zhila رویا:Roya ملیکا:Melika فریبا:Fariba ستاره:Setareh
عاطفه:Atefeh محدثه:Mohaddeseh نجمه:Najmeh طیبه:Tayebeh زهره:Zohreh مرضیه:Marzieh
فرشته:Fereshteh گلاره:Gelareh هستی:Hasti فاطمه‌زهرا:Fatemehzahra ام‌البنین:Omolbanin
""")

LAST: tuple[tuple[str, str], ...] = _pairs("""
محمدی:Mohammadi حسینی:Hosseini احمدی:Ahmadi رضایی:Rezaei موسوی:Mousavi کریمی:Karimi
جعفری:Jafari صادقی:Sadeghi رحیمی:Rahimi کاظمی:Kazemi هاشمی:Hashemi قاسمی:Ghasemi
ابراهیمی:Ebrahimi اکبری:Akbari حیدری:Heidari نوری:Nouri عباسی:Abbasi سلیمانی:Soleimani
زارعی:Zarei مرادی:Moradi یوسفی:Yousefi امیری:Amiri طاهری:Taheri نجفی:Najafi رستمی:Rostami
کرمی:Karami شریفی:Sharifi بهرامی:Bahrami نظری:Nazari ملکی:Maleki فرهادی:Farhadi
قربانی:Ghorbani عزیزی:Azizi سعیدی:Saeidi خسروی:Khosravi باقری:Bagheri اسدی:Asadi
کامرانی:Kamrani فتحی:Fathi مختاری:Mokhtari طالبی:Talebi شجاعی:Shojaei توکلی:Tavakoli
یزدانی:Yazdani اصفهانی:Esfahani شیرازی:Shirazi تهرانی:Tehrani کرمانی:Kermani تبریزی:Tabrizi
قزوینی:Ghazvini رفیعی:Rafiei منصوری:Mansouri صفری:Safari جلالی:Jalali کمالی:Kamali
نادری:Naderi فاضلی:Fazeli خلیلی:Khalili پورمحمدی:Pourmohammadi علی‌پور:Alipour
حسین‌زاده:Hosseinzadeh حسن‌زاده:Hassanzadeh قلی‌زاده:Gholizadeh رحمانی:Rahmani
میرزایی:Mirzaei بابایی:Babaei دهقان:Dehghan کشاورز:Keshavarz صالحی:Salehi فرجی:Faraji
شاکری:Shakeri عسگری:Asgari یعقوبی:Yaghoubi جمشیدی:Jamshidi فروتن:Forootan سبحانی:Sobhani
زمانی:Zamani عطایی:Ataei سلطانی:Soltani ایزدی:Izadi امینی:Amini حیدرزاده:Heidarzadeh
عبداللهی:Abdollahi نصیری:Nasiri مقدم:Moghaddam شهابی:Shahabi طباطبایی:Tabatabaei
میرحسینی:Mirhosseini آقایی:Aghaei پاکزاد:Pakzad وکیلی:Vakili اسلامی:Eslami زندی:Zandi
کاویانی:Kaviani بهشتی:Beheshti شهیدی:Shahidi نیک‌نام:Niknam دوست‌محمدی:Doustmohammadi
اسماعیلی:Esmaeili انصاری:Ansari بیات:Bayat چراغی:Cheraghi حاجی‌زاده:Hajizadeh
خدابنده:Khodabandeh داوودی:Davoudi رنجبر:Ranjbar سرلک:Sarlak شاه‌محمدی:Shahmohammadi
صفایی:Safaei ظهیری:Zahiri عرب:Arab غفاری:Ghaffari فلاح:Fallah قنبری:Ghanbari
گودرزی:Goudarzi لطفی:Lotfi مظاهری:Mazaheri نوروزی:Nowrouzi ولی‌زاده:Valizadeh هاشم‌پور:Hashempour
""")
