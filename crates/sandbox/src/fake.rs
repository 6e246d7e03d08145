//! Realistic seed data for emulators' seed functions: people, companies, deals, meetings.
//!
//! Small built-in lists (a few accented and non-Latin names among them, as real CRMs hold), drawn
//! from the seeded generator the sandbox hands to the seed function, so the same seed gives the
//! same records.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::StdRng;

const FIRST_NAMES: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophia",
    "Elijah",
    "Isabella",
    "Lucas",
    "Mia",
    "Mateo",
    "Charlotte",
    "Ethan",
    "Harper",
    "James",
    "Aiko",
    "Wei",
    "Priya",
    "Arjun",
    "Fatima",
    "Omar",
    "Chloé",
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Ana",
    "Mehmet",
    "Ngozi",
    "Hannah",
    "Tomás",
    "Ingrid",
    "Kenji",
    "Leila",
    "Marco",
    "Nadia",
    "Pierre",
    "Sakura",
    "Yusuf",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernández",
    "Lopez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Nguyen",
    "Kim",
    "Patel",
    "Müller",
    "Schmidt",
    "Dubois",
    "Rossi",
    "Kowalski",
    "Yamamoto",
    "Okafor",
    "Andersson",
    "O'Brien",
    "Novák",
    "Silva",
    "Costa",
    "Ivanova",
    "Cohen",
    "Haddad",
    "Chen",
    "Singh",
];

/// (company name, domain, industry)
const COMPANIES: &[(&str, &str, &str)] = &[
    ("Acme Corporation", "acme.example", "Manufacturing"),
    ("Globex", "globex.example", "Energy"),
    ("Initech", "initech.example", "Software"),
    ("Umbrella Health", "umbrella-health.example", "Healthcare"),
    ("Hooli", "hooli.example", "Internet"),
    ("Stark Industries", "stark.example", "Aerospace"),
    ("Wayne Enterprises", "wayne.example", "Conglomerate"),
    ("Soylent Foods", "soylent.example", "Food & Beverage"),
    ("Cyberdyne Systems", "cyberdyne.example", "Robotics"),
    ("Tyrell Corporation", "tyrell.example", "Biotechnology"),
    ("Vandelay Industries", "vandelay.example", "Import & Export"),
    ("Wonka Confectionery", "wonka.example", "Food & Beverage"),
    ("Pied Piper", "piedpiper.example", "Software"),
    ("Massive Dynamic", "massive-dynamic.example", "Research"),
    ("Nakatomi Trading", "nakatomi.example", "Financial Services"),
    ("Oceanic Airlines", "oceanic.example", "Airlines"),
    ("Gringotts Bank", "gringotts.example", "Banking"),
    ("Bluth Company", "bluth.example", "Real Estate"),
    ("Dunder Mifflin", "dundermifflin.example", "Paper"),
    ("Münchner Maschinenbau GmbH", "mm-gmbh.example", "Machinery"),
    ("Société Lumière", "lumiere.example", "Media"),
    (
        "Sakura Logistics 株式会社",
        "sakura-logistics.example",
        "Logistics",
    ),
];

/// (city, state or region, country code, postal code)
const CITIES: &[(&str, &str, &str, &str)] = &[
    ("Boston", "MA", "US", "02110"),
    ("San Francisco", "CA", "US", "94105"),
    ("Austin", "TX", "US", "78701"),
    ("New York", "NY", "US", "10001"),
    ("Chicago", "IL", "US", "60601"),
    ("London", "England", "GB", "EC1A 1BB"),
    ("Berlin", "Berlin", "DE", "10115"),
    ("Paris", "Île-de-France", "FR", "75001"),
    ("Toronto", "ON", "CA", "M5H 2N2"),
    ("Sydney", "NSW", "AU", "2000"),
    ("Tokyo", "Tokyo", "JP", "100-0001"),
    ("São Paulo", "SP", "BR", "01000-000"),
];

const STREETS: &[&str] = &[
    "Main St",
    "Market St",
    "Oak Avenue",
    "Elm Street",
    "Park Lane",
    "High Street",
    "Baker Street",
    "Sunset Blvd",
    "King Street",
    "Harbour Road",
];

const JOB_TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "VP of Sales",
    "Head of Marketing",
    "Account Executive",
    "Sales Manager",
    "Software Engineer",
    "Product Manager",
    "Operations Director",
    "Procurement Lead",
    "Customer Success Manager",
    "CFO",
    "Office Manager",
    "Data Analyst",
];

const DEAL_WORDS: &[&str] = &[
    "Annual licence",
    "Expansion",
    "Pilot",
    "Renewal",
    "Enterprise plan",
    "Onboarding package",
    "Support contract",
    "Multi-year agreement",
    "Upsell",
    "Proof of concept",
];

const MEETING_TOPICS: &[&str] = &[
    "Discovery call",
    "Product demo",
    "Quarterly business review",
    "Pricing discussion",
    "Kick-off meeting",
    "Technical deep dive",
    "Contract review",
    "Onboarding session",
];

const LEAD_SOURCES: &[&str] = &[
    "Web",
    "Referral",
    "Trade Show",
    "Cold Call",
    "Partner",
    "Advertisement",
    "Email Campaign",
];

/// A fake company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    /// Display name, e.g. `Acme Corporation`.
    pub name: String,
    /// Web domain (`.example`, never a real one), e.g. `acme.example`.
    pub domain: String,
    /// Industry label.
    pub industry: String,
    /// Switchboard phone number (E.164-like).
    pub phone: String,
    /// Head-office address.
    pub address: Address,
    /// Employee count.
    pub employees: u32,
}

impl Company {
    /// `https://{domain}`.
    pub fn website(&self) -> String {
        format!("https://{}", self.domain)
    }
}

/// A fake postal address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Street line.
    pub street: String,
    /// City.
    pub city: String,
    /// State or region.
    pub state: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
}

/// A fake person working at a fake company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Work email at the company's domain.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// Job title.
    pub job_title: String,
    /// Where they work.
    pub company: Company,
    /// Lead source (web, referral, …).
    pub source: String,
}

impl Person {
    /// `first last`.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A fake deal.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    /// Deal name, e.g. `Acme Corporation — Renewal`.
    pub name: String,
    /// Amount in whole currency units.
    pub amount: u64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Expected close date.
    pub close_date: NaiveDate,
    /// Win probability in percent.
    pub probability: u8,
}

/// A fake meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meeting {
    /// Title, e.g. `Product demo with Globex`.
    pub title: String,
    /// Start (on the hour, business hours).
    pub start: DateTime<Utc>,
    /// End (30 or 60 minutes later).
    pub end: DateTime<Utc>,
    /// Where (video link or office).
    pub location: String,
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or_default()
}

fn ascii_slug(s: &str) -> String {
    let folded: String = s
        .chars()
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'ø' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'ł' | 'Ł' => 'l',
            'š' => 's',
            'ž' => 'z',
            'ý' => 'y',
            other => other.to_ascii_lowercase(),
        })
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    if folded.is_empty() {
        "contact".to_owned()
    } else {
        folded
    }
}

fn phone(rng: &mut StdRng, country: &str) -> String {
    let prefix = match country {
        "GB" => "+44 20",
        "DE" => "+49 30",
        "FR" => "+33 1",
        "JP" => "+81 3",
        "AU" => "+61 2",
        "BR" => "+55 11",
        _ => "+1 555",
    };
    format!(
        "{prefix} {:03} {:04}",
        rng.gen_range(100..1000),
        rng.gen_range(0..10000)
    )
}

/// A fake postal address.
pub fn address(rng: &mut StdRng) -> Address {
    let (city, state, country, postal) = CITIES.choose(rng).copied().unwrap_or(CITIES[0]);
    Address {
        street: format!("{} {}", rng.gen_range(1..2000), pick(rng, STREETS)),
        city: city.to_owned(),
        state: state.to_owned(),
        postal_code: postal.to_owned(),
        country: country.to_owned(),
    }
}

/// A fake company with address and phone.
pub fn company(rng: &mut StdRng) -> Company {
    let (name, domain, industry) = COMPANIES.choose(rng).copied().unwrap_or(COMPANIES[0]);
    let address = address(rng);
    Company {
        name: name.to_owned(),
        domain: domain.to_owned(),
        industry: industry.to_owned(),
        phone: phone(rng, &address.country),
        employees: rng.gen_range(5..20_000),
        address,
    }
}

/// A fake person at a fake company, with a work email at its domain.
pub fn person(rng: &mut StdRng) -> Person {
    let company = company(rng);
    person_at(rng, &company)
}

/// A fake person working at `company`.
pub fn person_at(rng: &mut StdRng, company: &Company) -> Person {
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, LAST_NAMES);
    let email = format!(
        "{}.{}{}@{}",
        ascii_slug(first),
        ascii_slug(last),
        rng.gen_range(1..100),
        company.domain
    );
    Person {
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email,
        phone: phone(rng, &company.address.country),
        job_title: pick(rng, JOB_TITLES).to_owned(),
        company: company.clone(),
        source: pick(rng, LEAD_SOURCES).to_owned(),
    }
}

/// A fake deal with `company`, closing within the next 180 days of `today`.
pub fn deal(rng: &mut StdRng, company: &Company, today: NaiveDate) -> Deal {
    Deal {
        name: format!("{} — {}", company.name, pick(rng, DEAL_WORDS)),
        amount: rng.gen_range(10..500) * 100,
        currency: pick(rng, &["USD", "USD", "USD", "EUR", "GBP"]).to_owned(),
        close_date: today + Duration::days(rng.gen_range(1..180)),
        probability: *[10u8, 20, 40, 60, 80, 90].choose(rng).unwrap_or(&50),
    }
}

/// A fake meeting with `company` in business hours within 30 days of `now`.
pub fn meeting(rng: &mut StdRng, company: &Company, now: DateTime<Utc>) -> Meeting {
    let day = now.date_naive() + Duration::days(rng.gen_range(-15..15));
    let hour = rng.gen_range(9..17);
    let start = Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).unwrap_or_default());
    let minutes = *[30i64, 60].choose(rng).unwrap_or(&30);
    let location = if rng.gen_bool(0.5) {
        format!("https://meet.example/{}", rng.gen_range(100_000..999_999))
    } else {
        format!("{}, {}", company.address.street, company.address.city)
    };
    Meeting {
        title: format!("{} with {}", pick(rng, MEETING_TOPICS), company.name),
        start,
        end: start + Duration::minutes(minutes),
        location,
    }
}
