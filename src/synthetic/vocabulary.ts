/**
 * Words the synthetic population is made of: the same fictional county as the sandbox fixtures
 * (Wexbridge and its towns, WX postcodes) and names as varied as the people an English council
 * supports. Nothing here names a real person or place.
 */

export const OLDER_WOMEN = [
  'Barbara', 'Doreen', 'Eileen', 'Patricia', 'Joyce', 'Dorothy', 'Ivy', 'Lilian', 'Hazel', 'Kathleen',
  'Elsie', 'Ruth', 'Gwen', 'Margaret', 'Joan', 'Brenda', 'Maureen', 'Sheila', 'Jean', 'Irene', 'Pauline',
  'Valerie', 'Shirley', 'Sylvia', 'Audrey', 'Beryl', 'Vera', 'Edna', 'Mavis', 'Winifred', 'Bernadette',
  'Nasreen', 'Sunita', 'Oksana', 'Precious', 'Gloria', 'Hyacinth', 'Mei', 'Parveen', 'Kamala', 'Bridget',
  'Agnes', 'Rita', 'Pearl', 'Marjorie', 'Olive', 'Phyllis', 'Rosemary', 'Janet', 'Christine', 'Anne',
] as const;

export const OLDER_MEN = [
  'Desmond', 'Rajesh', 'Albert', 'Winston', 'Harold', 'Kenneth', 'Stanley', 'Terence', 'Roy', 'Owain',
  'Francis', 'Colin', 'Ebenezer', 'Mohammed', 'Arthur', 'Frank', 'Dennis', 'Ronald', 'Norman', 'Derek',
  'Alan', 'Brian', 'Geoffrey', 'Trevor', 'Leonard', 'Cyril', 'Wilfred', 'Bernard', 'Clifford', 'Eric',
  'Gurdev', 'Abdul', 'Delroy', 'Tadeusz', 'Wei', 'Patrick', 'Seamus', 'Kofi', 'Errol', 'Hamid',
  'Douglas', 'Walter', 'George', 'Raymond', 'Malcolm', 'Keith', 'Peter', 'John', 'Michael', 'David',
] as const;

export const YOUNGER_WOMEN = [
  'Natalie', 'Aisha', 'Chloe', 'Agnieszka', 'Sarah', 'Emma', 'Laura', 'Jasmine', 'Fatima', 'Rebecca',
  'Hannah', 'Zainab', 'Kirsty', 'Gemma', 'Priya', 'Leanne', 'Amara', 'Sophie', 'Megan', 'Yasmin',
] as const;

export const YOUNGER_MEN = [
  'Gareth', 'Jamie', 'Sandeep', 'Daniel', 'Ryan', 'Liam', 'Omar', 'Kyle', 'Tomasz', 'Adebayo',
  'Callum', 'Imran', 'Nathan', 'Dean', 'Marcus', 'Jordan', 'Ravi', 'Connor', 'Bilal', 'Luke',
] as const;

export const UNISEX = ['Alex', 'Sam', 'Jo', 'Charlie', 'Robin', 'Jude', 'Morgan', 'Kit'] as const;

export const FAMILY_NAMES = [
  'Thornton', 'Clarke', 'Parry', 'Patel', 'Walsh', 'Nwosu', 'Campbell', 'Holloway', 'Melnyk', 'Brooks',
  'Evans', 'Hughes', 'Yates', 'Sharma', 'Briggs', 'Hamilton', 'Richardson', 'Rahman', 'Wood', 'Baker',
  'Dunn', 'Roberts', 'Iqbal', 'Chambers', 'Zhang', 'Kelly', 'Marsh', 'Turner', 'Adeyemi', 'Murphy',
  'Morgan', 'Dawson', 'Akhtar', 'Fletcher', 'Jenkins', 'Gill', 'Nowak', 'Asante', 'Goldberg', 'Price',
  'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Wilson', 'Johnson', 'Wright', 'Walker',
  'Robinson', 'Thompson', 'White', 'Edwards', 'Green', 'Hall', 'Lewis', 'Harris', 'Martin', 'Jackson',
  'Khan', 'Ali', 'Hussain', 'Begum', 'Singh', 'Kaur', 'Mistry', 'Okonkwo', 'Mensah', 'Osei', 'Kowalski',
  'Wiśniewski', 'Nguyen', 'Chen', "O'Brien", 'McCarthy', 'Gallagher', 'Doyle', 'Byrne', 'Pritchard',
  'Llewellyn', 'Sutcliffe', 'Ackroyd', 'Hargreaves', 'Whitworth', 'Greenwood', 'Lomax', 'Fairbairn',
  'Clarke-Wood', 'Ashworth', 'Bamford', 'Cartwright', 'Featherstone', 'Kettlewell', 'Oduya', 'Bennett',
] as const;

/** Towns of the fictional county, their postcode districts, and which older-adults team covers them. */
export const TOWNS = [
  { city: 'Wexbridge', districts: ['WX1', 'WX2'], team: 'TEAM-OAN', weight: 34 },
  { city: 'Hallowfield', districts: ['WX3'], team: 'TEAM-OAN', weight: 16 },
  { city: 'Stenbury', districts: ['WX5'], team: 'TEAM-OAS', weight: 16 },
  { city: 'Cranmoor', districts: ['WX6'], team: 'TEAM-OAS', weight: 10 },
  { city: 'Ashby Marlow', districts: ['WX7'], team: 'TEAM-OAN', weight: 12 },
  { city: 'Lydgate Cross', districts: ['WX8'], team: 'TEAM-OAS', weight: 12 },
] as const;

export const STREET_NAMES = [
  'Larkspur', 'Quarry', 'Fernhill', 'Gladstone', 'Cedar', 'Foundry', 'Mulberry', 'Albion', 'Rowan', 'Kestrel',
  'Linnet', 'Beech', 'Primrose', 'Weaver', 'Wheelwright', 'Coronation', 'Heather', 'Abbey', 'Sycamore',
  'Ferry', 'Tudor', 'Larch', 'Waterloo', 'Orchard', 'Mill', 'Brunel', 'Thistle', 'Kings', 'Hazel', 'Slate',
  'Chapel', 'Victoria', 'Station', 'Church', 'Meadow', 'Willow', 'Bramble', 'Tanner', 'Hawthorn', 'Oak',
  'Ashby', 'Beacon', 'Canal', 'Bridge', 'Furnace', 'Granary', 'Kingfisher', 'Pennyroyal', 'Sorrel', 'Teasel',
] as const;

export const STREET_KINDS = ['Close', 'Lane', 'Road', 'Street', 'Avenue', 'Gardens', 'Way', 'Drive', 'Grove', 'Row', 'Terrace', 'Mews', 'Rise', 'Walk', 'Cottages'] as const;

export const BLOCK_NAMES = ['Cedar Court', 'Albion House', 'Rowan Place', 'Canal Wharf', 'Victoria Buildings', 'Beacon Heights', 'Tannery Court'] as const;

export const POSTCODE_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export const WORKER_ROLES = {
  'Social Worker': 50,
  'Senior Practitioner': 12,
  'Care Manager': 18,
  'Occupational Therapist': 14,
  'Social Care Assessor': 6,
} as const;

export const TASKS = {
  'home-care': [
    'Morning personal care', 'Help with washing and dressing', 'Evening meal and medication prompt', 'Lunchtime meal and hydration check',
    'Help into the shower', 'Breakfast and medication prompt', 'Evening personal care', 'Shopping once a week', 'Help with compression stockings',
    'Check the house is warm and secure at night', 'Help with transfers (hoist)', 'Continence care',
  ],
  reablement: ['Practise washing and dressing', 'Kitchen practice: hot drink and a light meal', 'Walking practice with frame', 'Medication prompt', 'Stairs practice'],
  'day-care': ['Day centre two days a week', 'Transport there and back', 'Hot lunch', 'Art group', 'Gardening group', 'Memory café'],
  'supported-living': ['Support with budgeting and bills', 'Cooking and shopping', 'Travel training', 'Personal care', 'Community access', 'Medication support'],
  'extra-care-housing': ['Morning personal care', 'Evening check', 'Medication prompt', 'Help with laundry'],
  'meals-service': ['Hot lunch delivered daily', 'Diabetic menu', 'Soft diet', 'Halal menu', 'Vegetarian menu'],
  telecare: ['Pendant alarm', 'Falls detector', 'Key safe', 'Bed sensor', 'Smoke detector linked to the response centre'],
  'respite-care': [],
  'residential-care': [],
  'nursing-care': [],
  'shared-lives': ['Lives with a Shared Lives carer', 'Help with daily routines'],
  equipment: ['Grab rails', 'Raised toilet seat', 'Perching stool'],
  'carer-support': ['Carer breaks', 'Carer\'s personal budget'],
  'other-support': [],
} as const;

export const NOTES = [
  'Lives alone. Key safe by the front door (code held by the provider).',
  'Wife is his main carer.',
  'Husband is her main carer.',
  'Daughter visits most days and holds lasting power of attorney.',
  'Hard of hearing: speak clearly, facing them.',
  'Speaks Punjabi and some English; son interprets.',
  'Speaks Polish; prefers a Polish-speaking carer where possible.',
  'Dementia: may not remember the care arrangements.',
  'Uses a walking frame indoors.',
  'Diabetic: insulin given by the district nurse.',
  'Two carers needed for hoist transfers.',
  'Annual review due in the spring.',
] as const;

export const END_REASONS = [
  'Reablement goals met; no ongoing care needed',
  'Needs now met by family',
  'Moved to live with family',
  'Moved into a care home',
  'Moved out of the area; now supported by another council',
  'Cancelled at their request',
  'Planned respite stay completed',
] as const;

export const SUSPEND_REASONS = ['Admitted to hospital', 'Away staying with family', 'Admitted to hospital after a fall'] as const;

export const PROVIDER_WORDS = [
  'Brightwater', 'Kindred', 'Meadowbank', 'Willowbrook', 'Elmhurst', 'Rosewood', 'Horizon', 'Orchard', 'Larkfield', 'Fairhaven',
  'Oakleigh', 'Silverdale', 'Beechcroft', 'Hollybank', 'Riverside', 'Greenacres', 'Thornbury', 'Ashgrove', 'Cherrytree', 'Heatherlea',
  'Sunnyside', 'Millbrook', 'Swallowfield', 'Highcroft', 'Bluebell', 'Foxglove', 'Juniper', 'Kingsley', 'Marlow', 'Stonebridge',
] as const;

export const PROVIDER_DOMAIN_ENDINGS = ['co.uk.example', 'org.uk.example'] as const;
