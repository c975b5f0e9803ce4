// Shipping addresses of orders: Shopify's MailingAddress. Orders get a plausible address by default,
// derived from the order and its customer without touching the seed's random stream, so seeding more
// fields never changes the data that was seeded before.
import type { CustomerRecord, MailingAddressRecord } from './types.js';

/**
 * Shopify's CountryCode enum: the ISO 3166-1 alpha-2 codes plus AC (Ascension), AN (Netherlands
 * Antilles), TA (Tristan da Cunha), XK (Kosovo) and ZZ (unknown region).
 */
export const COUNTRY_CODES = `AC AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO
FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH
KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
SM SN SO SR SS ST SV SX SY SZ TA TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK
YE YT ZA ZM ZW ZZ`.split(/\s+/);

const COUNTRY_SET = new Set(COUNTRY_CODES);
export const isCountryCode = (code: string): boolean => COUNTRY_SET.has(code);

const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** The English country name Shopify shows next to the code ("Germany" for DE). */
export function countryName(code: string | null): string | null {
  if (code === null) return null;
  if (code === 'ZZ') return 'Unknown Region';
  try {
    return regionNames.of(code) ?? null;
  } catch {
    return null;
  }
}

/** "First Last", as Shopify derives MailingAddress.name. */
export function addressName(a: MailingAddressRecord): string | null {
  return [a.firstName, a.lastName].filter((p) => p !== null && p !== '').join(' ') || null;
}

interface Place {
  street: string;
  city: string;
  zip: string;
  province: string | null;
  provinceCode: string | null;
  countryCode: string;
}

const PLACES: Place[] = [
  { street: 'Friedrichstraße', city: 'Berlin', zip: '10117', province: 'Berlin', provinceCode: 'BE', countryCode: 'DE' },
  { street: 'Strada Lipscani', city: 'Bucharest', zip: '030031', province: 'București', provinceCode: 'B', countryCode: 'RO' },
  { street: 'Mariahilfer Straße', city: 'Vienna', zip: '1060', province: null, provinceCode: null, countryCode: 'AT' },
  { street: 'Rue de la République', city: 'Lyon', zip: '69002', province: null, provinceCode: null, countryCode: 'FR' },
  { street: 'Karl Johans gate', city: 'Oslo', zip: '0154', province: null, provinceCode: null, countryCode: 'NO' },
  { street: 'Via Torino', city: 'Milan', zip: '20123', province: 'Milano', provinceCode: 'MI', countryCode: 'IT' },
];
const GUEST_FIRST = ['Alex', 'Sam', 'Robin', 'Kim', 'Noa', 'Toni'];
const GUEST_LAST = ['Weber', 'Marin', 'Horvat', 'Larsen', 'Costa', 'Meyer'];

/**
 * A plausible shipping address for an order: the customer's name and phone when there is a customer
 * (a guest checkout gets a guest's name), a street in one of a few European cities chosen by the
 * customer (or order number), so a customer ships to the same place every time.
 */
export function defaultShippingAddress(orderNumber: number, customer: CustomerRecord | undefined): MailingAddressRecord {
  const key = customer?.id ?? orderNumber;
  const place = PLACES[key % PLACES.length] as Place;
  return {
    firstName: customer ? customer.firstName : (GUEST_FIRST[orderNumber % GUEST_FIRST.length] ?? null),
    lastName: customer ? customer.lastName : (GUEST_LAST[(orderNumber >> 3) % GUEST_LAST.length] ?? null),
    company: null,
    address1: `${place.street} ${(key % 97) + 1}`,
    address2: key % 5 === 0 ? `Apt ${(key % 40) + 1}` : null,
    city: place.city, zip: place.zip, province: place.province, provinceCode: place.provinceCode, countryCode: place.countryCode,
    phone: customer?.phone ?? null,
  };
}

/** An address given through the control API: missing fields are null; the code is upper-cased. */
export function mailingAddress(input: Partial<MailingAddressRecord>): MailingAddressRecord {
  return {
    firstName: input.firstName ?? null, lastName: input.lastName ?? null, company: input.company ?? null,
    address1: input.address1 ?? null, address2: input.address2 ?? null, city: input.city ?? null, zip: input.zip ?? null,
    province: input.province ?? null, provinceCode: input.provinceCode ?? null,
    countryCode: input.countryCode ? input.countryCode.toUpperCase() : null, phone: input.phone ?? null,
  };
}
