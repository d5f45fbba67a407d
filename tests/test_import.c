/*
 * test_import.c - the GENIUS and KTAB importers against the reference data
 * in tests/data and against broken inputs.
 *
 * Golden numbers: the utilities below were computed from the XML files by a
 * separate program that applies GENIUS's rules directly (evaluation divided
 * by the issue's largest, clamp(offset + slope * (v - lowerbound), 0, 1),
 * weights as written), not by anything in libparley; the KTAB figures were
 * read off the CSV files by hand.  Each broken input asserts the diagnostic's
 * file, line (and column for CSV) and what its message says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "parley/alloc.h"
#include "parley/import.h"
#include "parley/scenario.h"
#include "support/failing_alloc.h"
#include "support/packages.h"

#define DATA PARLEY_SOURCE_DIR "/tests/data"
#define MAXP 20
#define MAXI 8

typedef struct genius_domain {
    const char *dir, *domain;
    size_t n_profiles;
    const char *profiles[MAXP];
    size_t n_issues;
    size_t n_options[MAXI];
    const char *issue_names[MAXI];
    double packages;
    double reservation[MAXP], discount[MAXP];
} genius_domain_t;

typedef struct genius_golden {
    size_t domain, profile;
    uint32_t options[MAXI];
    double utility;
} genius_golden_t;

/* BEGIN GOLDEN (computed independently from the XML with Python) */
static const genius_domain_t genius_domains[] = {
    {"BankRobbery", "Bank_Robbery.xml", 9,
     {"Bank_Robbery_util1.xml", "Bank_Robbery_util2.xml", "Bank_Robbery_util3.xml", "Bank_Robbery_util4.xml", "Bank_Robbery_util5.xml", "Bank_Robbery_util6.xml", "Bank_Robbery_util7.xml", "Bank_Robbery_util8.xml", "Bank_Robbery_util9.xml"},
     3, {3, 3, 2},
     {"Roles", "Escape Plan", "Money Split"},
     18.0,
     {0.2, 0.2, 0.3, 0.3, 0.4, 0.3, 0.5, 0.3, 0.4},
     {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}},
    {"EnergyGridHp2", "energy_grid_domain.xml", 3,
     {"consumer.xml", "producer.xml", "provider.xml"},
     8, {7, 7, 7, 7, 7, 7, 7, 7},
     {"0:00-2:59 prices [cents/kWh]", "3:00-5:59 prices [cents/kWh]", "6:00-8:59 prices [cents/kWh]", "9:00-11:59 prices [cents/kWh]", "12:00-14:59 prices [cents/kWh]", "15:00-17:59 prices [cents/kWh]", "18:00-20:59 prices [cents/kWh]", "21:00-23:59 prices [cents/kWh]"},
     5764801.0,
     {0.0, 0.0, 0.0},
     {1.0, 1.0, 1.0}},
    {"EnglandZimbabwe", "EnglandZimbabwe_domain.xml", 2,
     {"England.xml", "Zimbabwe.xml"},
     5, {4, 4, 3, 3, 4},
     {"Size of Fund", "Impact on Other Aid", "Zimbabwe Trade Policy", "England Trade Policy", "Forum on Other Health Issues"},
     576.0,
     {0.0, 0.0},
     {1.0, 1.0}},
    {"Holiday", "holiday.xml", 9,
     {"holiday-Profile1.xml", "holiday-Profile2.xml", "holiday-Profile3.xml", "holiday-Profile4.xml", "holiday-Profile5.xml", "holiday-Profile6.xml", "holiday-Profile7.xml", "holiday-Profile8.xml", "holiday-Profile9.xml"},
     5, {4, 4, 4, 4, 4},
     {"Destination", "Duration", "Budget", "Activities", "Transportation"},
     1024.0,
     {0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
     {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}},
    {"ItexvsCypress", "ItexvsCypress_domain.xml", 2,
     {"ItexvsCypress_Cypress.xml", "ItexvsCypress_Itex.xml"},
     4, {5, 4, 3, 3},
     {"Price", "Delivery", "Payment", "Returns"},
     180.0,
     {0.0, 0.0},
     {1.0, 1.0}},
    {"Laptop", "laptop_domain.xml", 2,
     {"laptop_buyer_utility.xml", "laptop_seller_utility.xml"},
     3, {3, 3, 3},
     {"Laptop", "Harddisk", "External Monitor"},
     27.0,
     {0.0, 0.0},
     {0.42441038, 0.42441038}},
    {"ParsCat", "domain.xml", 3,
     {"profile1.xml", "profile2.xml", "profile3.xml"},
     8, {5, 5, 5, 5, 5, 5, 5, 5},
     {"0000-0300", "0300-0600", "0600-0900", "0900-1200", "1200-1500", "1500-1800", "1800-2100", "2100-0000"},
     390625.0,
     {0.0, 0.0, 0.0},
     {1.0, 1.0, 1.0}},
    {"PartyDomain", "party_domain.xml", 17,
     {"party1_utility.xml", "party1_utility100.xml", "party1_utility_u10.xml", "party1_utility_u20.xml", "party1_utility_u50.xml", "party2_utility.xml", "party2_utility10.xml", "party2_utility_u10.xml", "party2_utility_u20.xml", "party2_utility_u50.xml", "party3_utility.xml", "party4_utility.xml", "party5_utility.xml", "party6_utility.xml", "party7_utility.xml", "party8_utility.xml", "party9_utility.xml"},
     6, {4, 4, 4, 4, 3, 4},
     {"Food", "Drinks", "Location", "Invitations", "Music", "Cleanup"},
     3072.0,
     {0.0, 0.499513, 0.0, 0.0, 0.0, 0.0, 0.00621119, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0},
     {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}},
    {"Politics", "Politics.xml", 3,
     {"Politics_util1.xml", "Politics_util2.xml", "Politics_util3.xml"},
     8, {4, 3, 3, 4, 5, 2, 4, 4},
     {"Social Security", "Labor tax", "Environmental tax", "Usage of army", "Immigration policy", "Stay or leave EU", "National or globalized economy", "Drug policy"},
     23040.0,
     {0.0, 0.0, 0.0},
     {1.0, 1.0, 1.0}},
    {"SmartEnergyGrid", "SmartEnergyGrid.xml", 3,
     {"SmartEnergyGrid_util1.xml", "SmartEnergyGrid_util2.xml", "SmartEnergyGrid_util3.xml"},
     4, {5, 5, 5, 5},
     {"06-09", "09-19", "19-22", "22-06"},
     625.0,
     {0.0, 0.0, 0.0},
     {1.0, 1.0, 1.0}},
    {"Tram", "Tram.xml", 9,
     {"Tram_Profile1.xml", "Tram_Profile2.xml", "Tram_Profile3.xml", "Tram_Profile4.xml", "Tram_Profile5.xml", "Tram_Profile6.xml", "Tram_Profile7.xml", "Tram_Profile8.xml", "Tram_Profile9.xml"},
     7, {2, 3, 3, 3, 2, 3, 3},
     {"Overhead line", "Bridge height", "Traffic frequency", "Budget", "Tram carriages", "Destination", "Year of delivery"},
     972.0,
     {0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.5, 0.5, 0.5},
     {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}},
    {"Travel", "travel_domain.xml", 2,
     {"travel_chox.xml", "travel_fanny.xml"},
     7, {7, 7, 4, 4, 6, 5, 8},
     {"Atmosphere", "Amusement", "Culinary", "Shopping", "Culture", "Sport", "Environment"},
     188160.0,
     {0.0, 0.0},
     {1.0, 1.0}},
};
static const genius_golden_t genius_golden[] = {
    {0, 0, {0, 0, 0}, 1},
    {0, 0, {2, 2, 1}, 0.2126967624394015},
    {0, 0, {0, 2, 1}, 0.65025106416792489},
    {0, 0, {1, 2, 0}, 0.36080953963795204},
    {0, 0, {0, 1, 1}, 0.65025106416792489},
    {0, 1, {0, 0, 0}, 0.81667452492483938},
    {0, 1, {2, 2, 1}, 0.58629524937689492},
    {0, 1, {0, 2, 1}, 0.58629524937689492},
    {0, 1, {1, 2, 0}, 0.82583045324453586},
    {0, 1, {0, 1, 1}, 0.74974343824675604},
    {0, 2, {0, 0, 0}, 0.88666542918049351},
    {0, 2, {2, 2, 1}, 0.34101173636278304},
    {0, 2, {0, 2, 1}, 0.48177542274468532},
    {0, 2, {1, 2, 0}, 0.19952442826689609},
    {0, 2, {0, 1, 1}, 0.56814618562057118},
    {0, 3, {0, 0, 0}, 1},
    {0, 3, {2, 2, 1}, 0.49183083964236907},
    {0, 3, {0, 2, 1}, 0.61600538439921382},
    {0, 3, {1, 2, 0}, 0.52653513364252735},
    {0, 3, {0, 1, 1}, 0.61600538439921382},
    {0, 4, {0, 0, 0}, 0.44987544676304547},
    {0, 4, {2, 2, 1}, 0.49886590106755979},
    {0, 4, {0, 2, 1}, 0.69931954064053592},
    {0, 4, {1, 2, 0}, 0.77532351466416627},
    {0, 4, {0, 1, 1}, 0.6745519320988792},
    {0, 5, {0, 0, 0}, 0.99999999999999989},
    {0, 5, {2, 2, 1}, 0.49473402646180942},
    {0, 5, {0, 2, 1}, 0.83864501274870307},
    {0, 5, {1, 2, 0}, 0.55205252417629169},
    {0, 5, {0, 1, 1}, 0.7579675191230546},
    {0, 6, {0, 0, 0}, 0.94046776449541802},
    {0, 6, {2, 2, 1}, 0.31250310177173712},
    {0, 6, {0, 2, 1}, 0.74070028468438587},
    {0, 6, {1, 2, 0}, 0.16733142968462539},
    {0, 6, {0, 1, 1}, 0.74070028468438587},
    {0, 7, {0, 0, 0}, 0.59960644725587331},
    {0, 7, {2, 2, 1}, 1},
    {0, 7, {0, 2, 1}, 0.94998420963244778},
    {0, 7, {1, 2, 0}, 0.85080289585580537},
    {0, 7, {0, 1, 1}, 0.94998420963244778},
    {0, 8, {0, 0, 0}, 0.75859718156879496},
    {0, 8, {2, 2, 1}, 0.40504758580299716},
    {0, 8, {0, 2, 1}, 0.32457997965926211},
    {0, 8, {1, 2, 0}, 0.71541449897078335},
    {0, 8, {0, 1, 1}, 0.26766287945341877},
    {1, 0, {0, 0, 0, 0, 0, 0, 0, 0}, 1},
    {1, 0, {6, 6, 6, 6, 6, 6, 6, 6}, 0.10000000000000009},
    {1, 0, {1, 2, 0, 6, 1, 3, 0, 1}, 0.79975000000000007},
    {1, 0, {5, 1, 0, 4, 5, 5, 3, 1}, 0.59950000000000003},
    {1, 0, {5, 5, 6, 6, 0, 0, 3, 6}, 0.38860000000000006},
    {1, 1, {0, 0, 0, 0, 0, 0, 0, 0}, 0.099999999999999992},
    {1, 1, {6, 6, 6, 6, 6, 6, 6, 6}, 0.99999999999999989},
    {1, 1, {1, 2, 0, 6, 1, 3, 0, 1}, 0.36249999999999999},
    {1, 1, {5, 1, 0, 4, 5, 5, 3, 1}, 0.55000000000000004},
    {1, 1, {5, 5, 6, 6, 0, 0, 3, 6}, 0.68125000000000002},
    {1, 2, {0, 0, 0, 0, 0, 0, 0, 0}, 0.46000000000000008},
    {1, 2, {6, 6, 6, 6, 6, 6, 6, 6}, 0.64000000000000001},
    {1, 2, {1, 2, 0, 6, 1, 3, 0, 1}, 0.46000000000000002},
    {1, 2, {5, 1, 0, 4, 5, 5, 3, 1}, 0.55000000000000004},
    {1, 2, {5, 5, 6, 6, 0, 0, 3, 6}, 0.46599999999999997},
    {2, 0, {0, 0, 0, 0, 0}, 0.58704667590857984},
    {2, 0, {3, 3, 2, 2, 3}, 0.15917179347238963},
    {2, 0, {2, 3, 2, 0, 0}, 0.62551289506964303},
    {2, 0, {3, 1, 2, 0, 3}, 0.36838157157842705},
    {2, 0, {2, 1, 1, 2, 3}, 0.59371241073605008},
    {2, 1, {0, 0, 0, 0, 0}, 0.71708370946538724},
    {2, 1, {3, 3, 2, 2, 3}, 0.23231804837467818},
    {2, 1, {2, 3, 2, 0, 0}, 0.52179204600967555},
    {2, 1, {3, 1, 2, 0, 3}, 0.26811478536888822},
    {2, 1, {2, 1, 1, 2, 3}, 0.48905462835882413},
    {3, 0, {0, 0, 0, 0, 0}, 0.25},
    {3, 0, {3, 3, 3, 3, 3}, 1},
    {3, 0, {1, 3, 1, 2, 0}, 0.56703863528249143},
    {3, 0, {2, 0, 1, 2, 0}, 0.49709097225551224},
    {3, 0, {3, 1, 0, 0, 0}, 0.38273610852288609},
    {3, 1, {0, 0, 0, 0, 0}, 0.80410369424683548},
    {3, 1, {3, 3, 3, 3, 3}, 0.8152987685843881},
    {3, 1, {1, 3, 1, 2, 0}, 0.49261305631254232},
    {3, 1, {2, 0, 1, 2, 0}, 0.67731428772815416},
    {3, 1, {3, 1, 0, 0, 0}, 0.44234155243472506},
    {3, 2, {0, 0, 0, 0, 0}, 0.35026548166780896},
    {3, 2, {3, 3, 3, 3, 3}, 0.89973451833219098},
    {3, 2, {1, 3, 1, 2, 0}, 0.47467394378376626},
    {3, 2, {2, 0, 1, 2, 0}, 0.574050671082033},
    {3, 2, {3, 1, 0, 0, 0}, 0.27462199323218112},
    {3, 3, {0, 0, 0, 0, 0}, 0.25},
    {3, 3, {3, 3, 3, 3, 3}, 1},
    {3, 3, {1, 3, 1, 2, 0}, 0.60059800593930956},
    {3, 3, {2, 0, 1, 2, 0}, 0.49911092272506896},
    {3, 3, {3, 1, 0, 0, 0}, 0.44726733261590196},
    {3, 4, {0, 0, 0, 0, 0}, 0.70343111853866003},
    {3, 4, {3, 3, 3, 3, 3}, 0.54656888146134008},
    {3, 4, {1, 3, 1, 2, 0}, 0.66270218981555196},
    {3, 4, {2, 0, 1, 2, 0}, 0.6060631898278307},
    {3, 4, {3, 1, 0, 0, 0}, 0.83901567292498747},
    {3, 5, {0, 0, 0, 0, 0}, 0.5457227743840144},
    {3, 5, {3, 3, 3, 3, 3}, 0.55641583842397835},
    {3, 5, {1, 3, 1, 2, 0}, 0.6448101950135372},
    {3, 5, {2, 0, 1, 2, 0}, 0.58361407929525955},
    {3, 5, {3, 1, 0, 0, 0}, 0.68222834791179388},
    {3, 6, {0, 0, 0, 0, 0}, 0.30925431878887344},
    {3, 6, {3, 3, 3, 3, 3}, 0.980248560403709},
    {3, 6, {1, 3, 1, 2, 0}, 0.77225557652721377},
    {3, 6, {2, 0, 1, 2, 0}, 0.48689147514654146},
    {3, 6, {3, 1, 0, 0, 0}, 0.48050034940850284},
    {3, 7, {0, 0, 0, 0, 0}, 0.99374221228591297},
    {3, 7, {3, 3, 3, 3, 3}, 0.25},
    {3, 7, {1, 3, 1, 2, 0}, 0.46918593420739163},
    {3, 7, {2, 0, 1, 2, 0}, 0.73880725862997509},
    {3, 7, {3, 1, 0, 0, 0}, 0.74760329975635598},
    {3, 8, {0, 0, 0, 0, 0}, 0.74346774054960385},
    {3, 8, {3, 3, 3, 3, 3}, 0.50653225945039615},
    {3, 8, {1, 3, 1, 2, 0}, 0.6339962184754433},
    {3, 8, {2, 0, 1, 2, 0}, 0.87419457934046074},
    {3, 8, {3, 1, 0, 0, 0}, 0.47005656778802291},
    {4, 0, {0, 0, 0, 0}, 0.42453535427289746},
    {4, 0, {4, 3, 2, 2}, 0.61544791393719522},
    {4, 0, {4, 0, 1, 0}, 0.7764395463405106},
    {4, 0, {2, 2, 1, 2}, 0.46898209349096204},
    {4, 0, {2, 1, 0, 0}, 0.75049475055812109},
    {4, 1, {0, 0, 0, 0}, 0.40382706762061438},
    {4, 1, {4, 3, 2, 2}, 0.11354131121011068},
    {4, 1, {4, 0, 1, 0}, 0.27058038428798786},
    {4, 1, {2, 2, 1, 2}, 0.48030220679128022},
    {4, 1, {2, 1, 0, 0}, 0.3936954299880096},
    {5, 0, {0, 0, 0}, 0.73292425787241622},
    {5, 0, {2, 2, 2}, 0.67647513890697464},
    {5, 0, {2, 1, 0}, 0.87402429847837593},
    {5, 0, {1, 2, 2}, 0.52807094651845354},
    {5, 0, {1, 2, 1}, 0.46915204320976794},
    {5, 1, {0, 0, 0}, 0.71428339061498802},
    {5, 1, {2, 2, 2}, 0.4534862167530942},
    {5, 1, {2, 1, 0}, 0.87402429847837604},
    {5, 1, {1, 2, 2}, 0.57951372244647237},
    {5, 1, {1, 2, 1}, 0.72791791483499335},
    {6, 0, {0, 0, 0, 0, 0, 0, 0, 0}, 1},
    {6, 0, {4, 4, 4, 4, 4, 4, 4, 4}, 0.087897885897731676},
    {6, 0, {1, 3, 1, 2, 0, 0, 2, 0}, 0.78078265283334658},
    {6, 0, {4, 2, 0, 4, 0, 1, 0, 4}, 0.63279580496189081},
    {6, 0, {1, 4, 0, 2, 3, 2, 0, 3}, 0.57580821506827151},
    {6, 1, {0, 0, 0, 0, 0, 0, 0, 0}, 0},
    {6, 1, {4, 4, 4, 4, 4, 4, 4, 4}, 0.99999999999999989},
    {6, 1, {1, 3, 1, 2, 0, 0, 2, 0}, 0.26601453551406851},
    {6, 1, {4, 2, 0, 4, 0, 1, 0, 4}, 0.41946738144022178},
    {6, 1, {1, 4, 0, 2, 3, 2, 0, 3}, 0.56363277501538001},
    {6, 2, {0, 0, 0, 0, 0, 0, 0, 0}, 0},
    {6, 2, {4, 4, 4, 4, 4, 4, 4, 4}, 1},
    {6, 2, {1, 3, 1, 2, 0, 0, 2, 0}, 0.28380049390744394},
    {6, 2, {4, 2, 0, 4, 0, 1, 0, 4}, 0.38847036822868442},
    {6, 2, {1, 4, 0, 2, 3, 2, 0, 3}, 0.49686891308662945},
    {7, 0, {0, 0, 0, 0, 0, 0}, 0.58416666666666661},
    {7, 0, {3, 3, 3, 3, 2, 3}, 0.42083333333333339},
    {7, 0, {0, 2, 2, 1, 1, 3}, 0.82750000000000001},
    {7, 0, {2, 0, 2, 3, 2, 0}, 0.56499999999999995},
    {7, 0, {3, 0, 1, 2, 0, 2}, 0.41416666666666663},
    {7, 1, {0, 0, 0, 0, 0, 0}, 0.58370584358482325},
    {7, 1, {3, 3, 3, 3, 2, 3}, 0.42093250894320039},
    {7, 1, {0, 2, 2, 1, 1, 3}, 0.8273265858629415},
    {7, 1, {2, 0, 2, 3, 2, 0}, 0.56489186512359957},
    {7, 1, {3, 0, 1, 2, 0, 2}, 0.41424436324427871},
    {7, 2, {0, 0, 0, 0, 0, 0}, 0.58375842348984641},
    {7, 2, {3, 3, 3, 3, 2, 3}, 0.42091863534445634},
    {7, 2, {0, 2, 2, 1, 1, 3}, 0.82735289584874283},
    {7, 2, {2, 0, 2, 3, 2, 0}, 0.56490130558366269},
    {7, 2, {3, 0, 1, 2, 0, 2}, 0.41421984430906372},
    {7, 3, {0, 0, 0, 0, 0, 0}, 0.58375842348984641},
    {7, 3, {3, 3, 3, 3, 2, 3}, 0.42091863534445634},
    {7, 3, {0, 2, 2, 1, 1, 3}, 0.82735289584874283},
    {7, 3, {2, 0, 2, 3, 2, 0}, 0.56490130558366269},
    {7, 3, {3, 0, 1, 2, 0, 2}, 0.41421984430906372},
    {7, 4, {0, 0, 0, 0, 0, 0}, 0.58375842348984641},
    {7, 4, {3, 3, 3, 3, 2, 3}, 0.42091863534445634},
    {7, 4, {0, 2, 2, 1, 1, 3}, 0.82735289584874283},
    {7, 4, {2, 0, 2, 3, 2, 0}, 0.56490130558366269},
    {7, 4, {3, 0, 1, 2, 0, 2}, 0.41421984430906372},
    {7, 5, {0, 0, 0, 0, 0, 0}, 0.6645211426556008},
    {7, 5, {3, 3, 3, 3, 2, 3}, 0.46046558259320658},
    {7, 5, {0, 2, 2, 1, 1, 3}, 0.47917753885868575},
    {7, 5, {2, 0, 2, 3, 2, 0}, 0.7688961631088822},
    {7, 5, {3, 0, 1, 2, 0, 2}, 0.32323176835054662},
    {7, 6, {0, 0, 0, 0, 0, 0}, 0.66450232991724922},
    {7, 6, {3, 3, 3, 3, 2, 3}, 0.46039798180909275},
    {7, 6, {0, 2, 2, 1, 1, 3}, 0.47923997446932748},
    {7, 6, {2, 0, 2, 3, 2, 0}, 0.76894119184089427},
    {7, 6, {3, 0, 1, 2, 0, 2}, 0.32315832248342791},
    {7, 7, {0, 0, 0, 0, 0, 0}, 0.66450232991724922},
    {7, 7, {3, 3, 3, 3, 2, 3}, 0.46039798180909275},
    {7, 7, {0, 2, 2, 1, 1, 3}, 0.47923997446932748},
    {7, 7, {2, 0, 2, 3, 2, 0}, 0.76894119184089427},
    {7, 7, {3, 0, 1, 2, 0, 2}, 0.32315832248342791},
    {7, 8, {0, 0, 0, 0, 0, 0}, 0.66449416009899331},
    {7, 8, {3, 3, 3, 3, 2, 3}, 0.46038659705512136},
    {7, 8, {0, 2, 2, 1, 1, 3}, 0.47925146469499519},
    {7, 8, {2, 0, 2, 3, 2, 0}, 0.76893848595211889},
    {7, 8, {3, 0, 1, 2, 0, 2}, 0.32315379879426531},
    {7, 9, {0, 0, 0, 0, 0, 0}, 0.66450232991724922},
    {7, 9, {3, 3, 3, 3, 2, 3}, 0.46039798180909275},
    {7, 9, {0, 2, 2, 1, 1, 3}, 0.47923997446932748},
    {7, 9, {2, 0, 2, 3, 2, 0}, 0.76894119184089427},
    {7, 9, {3, 0, 1, 2, 0, 2}, 0.32315832248342791},
    {7, 10, {0, 0, 0, 0, 0, 0}, 0.91032089511752623},
    {7, 10, {3, 3, 3, 3, 2, 3}, 0.69622494943506363},
    {7, 10, {0, 2, 2, 1, 1, 3}, 0.75751929725204747},
    {7, 10, {2, 0, 2, 3, 2, 0}, 0.67630229833987732},
    {7, 10, {3, 0, 1, 2, 0, 2}, 0.75523680744809496},
    {7, 11, {0, 0, 0, 0, 0, 0}, 0.74999930000000004},
    {7, 11, {3, 3, 3, 3, 2, 3}, 0.34523777500000002},
    {7, 11, {0, 2, 2, 1, 1, 3}, 0.82142785000000007},
    {7, 11, {2, 0, 2, 3, 2, 0}, 0.57142810000000011},
    {7, 11, {3, 0, 1, 2, 0, 2}, 0.72618982500000007},
    {7, 12, {0, 0, 0, 0, 0, 0}, 0.18727947496535011},
    {7, 12, {3, 3, 3, 3, 2, 3}, 0.77667992542266773},
    {7, 12, {0, 2, 2, 1, 1, 3}, 0.83499986509838831},
    {7, 12, {2, 0, 2, 3, 2, 0}, 0.72464588455237267},
    {7, 12, {3, 0, 1, 2, 0, 2}, 0.28208484643408815},
    {7, 13, {0, 0, 0, 0, 0, 0}, 0.59096589307526437},
    {7, 13, {3, 3, 3, 3, 2, 3}, 0.50431191218504212},
    {7, 13, {0, 2, 2, 1, 1, 3}, 0.81307489967463087},
    {7, 13, {2, 0, 2, 3, 2, 0}, 0.46109372691877243},
    {7, 13, {3, 0, 1, 2, 0, 2}, 0.32078362041084713},
    {7, 14, {0, 0, 0, 0, 0, 0}, 0.44467306208306723},
    {7, 14, {3, 3, 3, 3, 2, 3}, 0.44896214463709078},
    {7, 14, {0, 2, 2, 1, 1, 3}, 0.77405576418897115},
    {7, 14, {2, 0, 2, 3, 2, 0}, 0.53698972727732319},
    {7, 14, {3, 0, 1, 2, 0, 2}, 0.5630149648737689},
    {7, 15, {0, 0, 0, 0, 0, 0}, 0.70746188530331777},
    {7, 15, {3, 3, 3, 3, 2, 3}, 0.18837204778107824},
    {7, 15, {0, 2, 2, 1, 1, 3}, 0.59763434722897224},
    {7, 15, {2, 0, 2, 3, 2, 0}, 0.40082498004706557},
    {7, 15, {3, 0, 1, 2, 0, 2}, 0.42892274428225807},
    {7, 16, {0, 0, 0, 0, 0, 0}, 0.44467306208306723},
    {7, 16, {3, 3, 3, 3, 2, 3}, 0.44896214463709078},
    {7, 16, {0, 2, 2, 1, 1, 3}, 0.77405576418897115},
    {7, 16, {2, 0, 2, 3, 2, 0}, 0.53698972727732319},
    {7, 16, {3, 0, 1, 2, 0, 2}, 0.5630149648737689},
    {8, 0, {0, 0, 0, 0, 0, 0, 0, 0}, 0.26515774418315552},
    {8, 0, {3, 2, 2, 3, 4, 1, 3, 3}, 0.71172207495400586},
    {8, 0, {1, 1, 1, 3, 3, 1, 2, 3}, 0.28221249569369133},
    {8, 0, {1, 0, 1, 1, 4, 1, 1, 1}, 0.40839623950541776},
    {8, 0, {3, 0, 0, 1, 4, 0, 3, 1}, 0.70446231457818664},
    {8, 1, {0, 0, 0, 0, 0, 0, 0, 0}, 0.487078097214039},
    {8, 1, {3, 2, 2, 3, 4, 1, 3, 3}, 0.49826465525362035},
    {8, 1, {1, 1, 1, 3, 3, 1, 2, 3}, 0.52439328811787167},
    {8, 1, {1, 0, 1, 1, 4, 1, 1, 1}, 0.40270369107396908},
    {8, 1, {3, 0, 0, 1, 4, 0, 3, 1}, 0.23345077079626264},
    {8, 2, {0, 0, 0, 0, 0, 0, 0, 0}, 0.31863740944750346},
    {8, 2, {3, 2, 2, 3, 4, 1, 3, 3}, 0.41040305484702777},
    {8, 2, {1, 1, 1, 3, 3, 1, 2, 3}, 0.62614860468545608},
    {8, 2, {1, 0, 1, 1, 4, 1, 1, 1}, 0.53959896185615153},
    {8, 2, {3, 0, 0, 1, 4, 0, 3, 1}, 0.4505648380983564},
    {9, 0, {0, 0, 0, 0}, 0.50582399899774133},
    {9, 0, {4, 4, 4, 4}, 0.92928807914316369},
    {9, 0, {4, 2, 2, 0}, 0.63902281393280802},
    {9, 0, {1, 4, 4, 2}, 0.78367628470163697},
    {9, 0, {3, 4, 4, 2}, 0.85111727689562811},
    {9, 1, {0, 0, 0, 0}, 1},
    {9, 1, {4, 4, 4, 4}, 0.37919729728414309},
    {9, 1, {4, 2, 2, 0}, 0.61930509752781138},
    {9, 1, {1, 4, 4, 2}, 0.61325145531197367},
    {9, 1, {3, 4, 4, 2}, 0.46079601199422404},
    {9, 2, {0, 0, 0, 0}, 0.2271327855920689},
    {9, 2, {4, 4, 4, 4}, 0.81376161917066947},
    {9, 2, {4, 2, 2, 0}, 0.50938875835468478},
    {9, 2, {1, 4, 4, 2}, 0.82349445162405854},
    {9, 2, {3, 4, 4, 2}, 0.74927548539389255},
    {10, 0, {0, 0, 0, 0, 0, 0, 0}, 0.59555909192493584},
    {10, 0, {1, 2, 2, 2, 1, 2, 2}, 0.5726449875155073},
    {10, 0, {1, 2, 2, 1, 0, 0, 2}, 0.76713673659450321},
    {10, 0, {0, 0, 2, 2, 0, 0, 0}, 0.62292566004097982},
    {10, 0, {0, 0, 0, 0, 0, 1, 1}, 0.65291179193779092},
    {10, 1, {0, 0, 0, 0, 0, 0, 0}, 0.69944776008860865},
    {10, 1, {1, 2, 2, 2, 1, 2, 2}, 0.44024415486674107},
    {10, 1, {1, 2, 2, 1, 0, 0, 2}, 0.50006333197827513},
    {10, 1, {0, 0, 2, 2, 0, 0, 0}, 0.59461167338189413},
    {10, 1, {0, 0, 0, 0, 0, 1, 1}, 0.844246171124722},
    {10, 2, {0, 0, 0, 0, 0, 0, 0}, 0.49019614997452299},
    {10, 2, {1, 2, 2, 2, 1, 2, 2}, 0.81439237055851132},
    {10, 2, {1, 2, 2, 1, 0, 0, 2}, 0.61649067381229627},
    {10, 2, {0, 0, 2, 2, 0, 0, 0}, 0.6792302277694825},
    {10, 2, {0, 0, 0, 0, 0, 1, 1}, 0.6206558501413022},
    {10, 3, {0, 0, 0, 0, 0, 0, 0}, 0.63652717230126887},
    {10, 3, {1, 2, 2, 2, 1, 2, 2}, 0.60422582603020936},
    {10, 3, {1, 2, 2, 1, 0, 0, 2}, 0.89057593659197898},
    {10, 3, {0, 0, 2, 2, 0, 0, 0}, 0.65389554857388932},
    {10, 3, {0, 0, 0, 0, 0, 1, 1}, 0.5521625018581573},
    {10, 4, {0, 0, 0, 0, 0, 0, 0}, 0.77078027361500323},
    {10, 4, {1, 2, 2, 2, 1, 2, 2}, 0.51204159824954809},
    {10, 4, {1, 2, 2, 1, 0, 0, 2}, 0.75404809976989495},
    {10, 4, {0, 0, 2, 2, 0, 0, 0}, 0.82953623532010567},
    {10, 4, {0, 0, 0, 0, 0, 1, 1}, 0.77912164513513682},
    {10, 5, {0, 0, 0, 0, 0, 0, 0}, 0.43851178791948786},
    {10, 5, {1, 2, 2, 2, 1, 2, 2}, 0.93075945910178981},
    {10, 5, {1, 2, 2, 1, 0, 0, 2}, 0.6942165657669005},
    {10, 5, {0, 0, 2, 2, 0, 0, 0}, 0.67439198792497157},
    {10, 5, {0, 0, 0, 0, 0, 1, 1}, 0.56428700931599907},
    {10, 6, {0, 0, 0, 0, 0, 0, 0}, 0.64843398626089788},
    {10, 6, {1, 2, 2, 2, 1, 2, 2}, 0.75232650109217647},
    {10, 6, {1, 2, 2, 1, 0, 0, 2}, 0.92227273830745393},
    {10, 6, {0, 0, 2, 2, 0, 0, 0}, 0.64141751320347118},
    {10, 6, {0, 0, 0, 0, 0, 1, 1}, 0.66309375920165381},
    {10, 7, {0, 0, 0, 0, 0, 0, 0}, 0.84686555680112174},
    {10, 7, {1, 2, 2, 2, 1, 2, 2}, 0.48347350276624479},
    {10, 7, {1, 2, 2, 1, 0, 0, 2}, 0.50437078724197393},
    {10, 7, {0, 0, 2, 2, 0, 0, 0}, 0.71562357620096362},
    {10, 7, {0, 0, 0, 0, 0, 1, 1}, 0.80619065753021912},
    {10, 8, {0, 0, 0, 0, 0, 0, 0}, 0.43851214709113717},
    {10, 8, {1, 2, 2, 2, 1, 2, 2}, 0.91301673640385772},
    {10, 8, {1, 2, 2, 1, 0, 0, 2}, 0.67647480370234681},
    {10, 8, {0, 0, 2, 2, 0, 0, 0}, 0.67439274391539938},
    {10, 8, {0, 0, 0, 0, 0, 1, 1}, 0.56428697362233915},
    {11, 0, {0, 0, 0, 0, 0, 0, 0}, 0.49152313551263432},
    {11, 0, {6, 6, 3, 3, 5, 4, 7}, 0.50169635838074067},
    {11, 0, {6, 5, 1, 2, 5, 2, 5}, 0.59013849084916714},
    {11, 0, {5, 1, 0, 1, 0, 0, 7}, 0.34981171855313192},
    {11, 0, {0, 3, 2, 3, 3, 3, 3}, 0.26651341674277523},
    {11, 1, {0, 0, 0, 0, 0, 0, 0}, 0.34603699714516756},
    {11, 1, {6, 6, 3, 3, 5, 4, 7}, 0.35775344538495235},
    {11, 1, {6, 5, 1, 2, 5, 2, 5}, 0.44972548820495678},
    {11, 1, {5, 1, 0, 1, 0, 0, 7}, 0.68099868674844943},
    {11, 1, {0, 3, 2, 3, 3, 3, 3}, 0.55458746940088188},
};
/* END GOLDEN */

#define N_DOMAINS (sizeof genius_domains / sizeof genius_domains[0])
#define N_GOLDEN (sizeof genius_golden / sizeof genius_golden[0])

/* ---- helpers ----------------------------------------------------------- */

static void print_diags(const parley_diags_t *d)
{
    char buf[1200];
    for (size_t i = 0; i < parley_diags_count(d); i++) {
        parley_diag_format(parley_diags_get(d, i), buf, sizeof buf);
        print_message("  diag: %s\n", buf);
    }
}

/*
 * Asserts that an error (or warning) with this code, file and line exists
 * whose message contains `needle`; column and path are checked when given.
 */
static const parley_diag_t *expect_diag(const parley_diags_t *d,
                                        parley_severity_t sev,
                                        parley_status_t code, const char *file,
                                        unsigned line, unsigned column,
                                        const char *path, const char *needle)
{
    for (size_t i = 0; i < parley_diags_count(d); i++) {
        const parley_diag_t *g = parley_diags_get(d, i);
        if (g->severity == sev && g->code == code &&
            strcmp(g->file, file) == 0 && g->line == line &&
            (column == 0 || g->column == column) &&
            (!path || strcmp(g->path, path) == 0) &&
            strstr(g->message, needle))
            return g;
    }
    print_message("no %s %s at %s:%u:%u path '%s' containing '%s'\n",
                  sev == PARLEY_SEVERITY_ERROR ? "error" : "warning",
                  parley_status_name(code), file, line, column,
                  path ? path : "*", needle);
    print_diags(d);
    fail();
    return NULL;
}

#define EXPECT_ERROR(d, code, file, line, col, path, needle)                    \
    expect_diag((d), PARLEY_SEVERITY_ERROR, (code), (file), (line), (col),     \
                (path), (needle))

static parley_status_t import_domain(const genius_domain_t *gd,
                                     parley_scenario_t **out,
                                     parley_diags_t *diags)
{
    char paths[MAXP + 1][512];
    const char *profiles[MAXP];
    snprintf(paths[MAXP], sizeof paths[MAXP], "%s/genius/%s/%s", DATA,
             gd->dir, gd->domain);
    for (size_t i = 0; i < gd->n_profiles; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/genius/%s/%s", DATA, gd->dir,
                 gd->profiles[i]);
        profiles[i] = paths[i];
    }
    return parley_import_genius(paths[MAXP], profiles, gd->n_profiles, out,
                                diags);
}

static const genius_domain_t *domain_named(const char *dir)
{
    for (size_t d = 0; d < N_DOMAINS; d++)
        if (strcmp(genius_domains[d].dir, dir) == 0)
            return &genius_domains[d];
    fail_msg("no domain %s in the table", dir);
    return NULL;
}

static parley_scenario_t *import_ok(const char *dir)
{
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = import_domain(domain_named(dir), &sc, diags);
    if (st != PARLEY_OK)
        print_diags(diags);
    assert_int_equal(st, PARLEY_OK);
    assert_non_null(sc);
    assert_int_equal(parley_diags_errors(diags), 0);
    parley_diags_free(diags);
    return sc;
}

/* A copy of `text` with the first `old` replaced by `new` (test memory). */
static char *replaced(const char *text, const char *old, const char *new)
{
    const char *at = strstr(text, old);
    assert_non_null(at);
    size_t n = strlen(text) - strlen(old) + strlen(new) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    size_t head = (size_t)(at - text);
    memcpy(s, text, head);
    strcpy(s + head, new);
    strcat(s, at + strlen(old));
    return s;
}

static long party_index(const parley_scenario_t *sc, const char *id)
{
    for (size_t i = 0; i < sc->n_parties; i++)
        if (strcmp(sc->parties[i].id, id) == 0)
            return (long)i;
    fail_msg("no party %s", id);
    return -1;
}

/* ---- GENIUS: the twelve reference domains ------------------------------ */

static void test_genius_all_domains(void **state)
{
    (void)state;
    assert_int_equal(N_DOMAINS, 12);
    for (size_t d = 0; d < N_DOMAINS; d++) {
        const genius_domain_t *gd = &genius_domains[d];
        parley_diags_t *diags = parley_diags_new();
        parley_scenario_t *sc = NULL;
        parley_status_t st = import_domain(gd, &sc, diags);
        if (st != PARLEY_OK) {
            print_message("%s\n", gd->dir);
            print_diags(diags);
        }
        assert_int_equal(st, PARLEY_OK);
        assert_int_equal(parley_diags_errors(diags), 0);
        assert_int_equal(sc->n_issues, gd->n_issues);
        assert_int_equal(sc->n_parties, gd->n_profiles);
        assert_true(parley_scenario_package_count(sc) == gd->packages);
        for (size_t k = 0; k < sc->n_issues; k++) {
            const parley_issue_t *is = &sc->issues[k];
            assert_string_equal(is->name, gd->issue_names[k]);
            assert_int_equal(is->n_options, gd->n_options[k]);
            assert_int_equal(is->cluster, -1);
            for (size_t q = 0; q < k; q++)
                assert_string_not_equal(is->id, sc->issues[q].id);
        }
        for (size_t i = 0; i < sc->n_parties; i++) {
            const parley_party_t *p = &sc->parties[i];
            char id[256];
            snprintf(id, sizeof id, "%s", gd->profiles[i]);
            *strrchr(id, '.') = '\0';
            assert_string_equal(p->id, id);
            assert_int_equal(p->role, PARLEY_ROLE_PARTY);
            assert_true(p->power == 1);
            assert_true(p->reservation == gd->reservation[i]);
            assert_true(p->discount == gd->discount[i]);
            for (size_t k = 0; k < sc->n_issues; k++) {
                const parley_value_fn_t *fn = &p->values[k];
                if (sc->issues[k].kind == PARLEY_ISSUE_DISCRETE) {
                    /* Divided by the largest: the best option scores 1. */
                    assert_int_equal(fn->kind, PARLEY_VALUE_TABLE);
                    assert_int_equal(fn->n_table, sc->issues[k].n_options);
                    double max = 0;
                    for (size_t j = 0; j < fn->n_table; j++) {
                        assert_true(fn->table[j] >= 0 && fn->table[j] <= 1);
                        if (fn->table[j] > max)
                            max = fn->table[j];
                    }
                    assert_true(max == 1);
                } else {
                    assert_int_equal(fn->kind, PARLEY_VALUE_LINEAR);
                    assert_true(fn->origin == sc->issues[k].min);
                }
            }
        }
        size_t checked = 0;
        for (size_t c = 0; c < N_GOLDEN; c++) {
            const genius_golden_t *g = &genius_golden[c];
            if (g->domain != d)
                continue;
            double u = package_utility(sc, &sc->parties[g->profile],
                                       g->options);
            if (!(u > g->utility - 1e-12 && u < g->utility + 1e-12))
                fail_msg("%s profile %zu: utility %.17g, expected %.17g",
                         gd->dir, g->profile, u, g->utility);
            checked++;
        }
        /* first, last and three mixed packages for every profile */
        assert_int_equal(checked, 5 * gd->n_profiles);
        parley_scenario_free(sc);
        parley_diags_free(diags);
    }
}

static void test_genius_laptop_details(void **state)
{
    (void)state;
    parley_scenario_t *sc = import_ok("Laptop");
    assert_string_equal(sc->name, "laptop_domain");
    assert_non_null(strstr(sc->source, "laptop_domain.xml"));
    assert_non_null(strstr(sc->source, "laptop_buyer_utility.xml"));
    assert_non_null(strstr(sc->source, "laptop_seller_utility.xml"));
    assert_string_equal(sc->issues[0].id, "laptop");
    assert_string_equal(sc->issues[1].id, "harddisk");
    assert_string_equal(sc->issues[2].id, "external_monitor");
    assert_string_equal(sc->issues[2].name, "External Monitor");
    assert_int_equal(sc->issues[0].kind, PARLEY_ISSUE_DISCRETE);
    assert_string_equal(sc->issues[0].options[0], "Dell");
    assert_string_equal(sc->issues[0].options[1], "Macintosh");
    assert_string_equal(sc->issues[0].options[2], "HP");
    assert_string_equal(sc->issues[2].options[0], "19'' LCD");
    long b = party_index(sc, "laptop_buyer_utility");
    long s = party_index(sc, "laptop_seller_utility");
    /* Buyer: Laptop 12/20/30, Harddisk 30/20/9, Monitor 30/10/20. */
    const parley_party_t *pb = &sc->parties[b];
    assert_true(pb->discount == 0.42441038);
    assert_true(pb->reservation == 0);
    assert_true(pb->weights[0] == 0.4452125771655631);
    assert_true(pb->weights[1] == 0.37808251708013424);
    assert_true(pb->weights[2] == 0.1767567099260568);
    assert_true(pb->values[0].table[0] == 12.0 / 30.0);
    assert_true(pb->values[0].table[1] == 20.0 / 30.0);
    assert_true(pb->values[0].table[2] == 1);
    assert_true(pb->values[1].table[2] == 9.0 / 30.0);
    /* Seller: Monitor 3/2/1. */
    assert_true(sc->parties[s].values[2].table[0] == 1);
    assert_true(sc->parties[s].values[2].table[1] == 2.0 / 3.0);
    assert_true(sc->parties[s].values[2].table[2] == 1.0 / 3.0);
    parley_scenario_free(sc);
}

static void test_genius_reservations_and_discounts(void **state)
{
    (void)state;
    parley_scenario_t *sc = import_ok("Tram");
    for (size_t i = 0; i < sc->n_parties; i++) {
        const char *id = sc->parties[i].id;
        double r = sc->parties[i].reservation;
        /* Tram_Profile4..6 have 0.1, the others 0.5. */
        if (strcmp(id, "Tram_Profile4") == 0 ||
            strcmp(id, "Tram_Profile5") == 0 ||
            strcmp(id, "Tram_Profile6") == 0)
            assert_true(r == 0.1);
        else
            assert_true(r == 0.5);
    }
    parley_scenario_free(sc);

    sc = import_ok("PartyDomain");
    assert_int_equal(sc->n_parties, 17);
    assert_true(sc->parties[party_index(sc, "party2_utility10")].reservation ==
                0.00621119);
    assert_true(sc->parties[party_index(sc, "party1_utility100")].reservation ==
                0.499513);
    /* Absent reservation and discount: 0 and 1. */
    assert_true(sc->parties[party_index(sc, "party3_utility")].reservation ==
                0);
    assert_true(sc->parties[party_index(sc, "party3_utility")].discount == 1);
    parley_scenario_free(sc);

    sc = import_ok("BankRobbery");
    assert_true(sc->parties[party_index(sc, "Bank_Robbery_util7")].reservation ==
                0.5);
    parley_scenario_free(sc);
}

static void test_genius_integer_issues(void **state)
{
    (void)state;
    parley_scenario_t *sc = import_ok("EnergyGridHp2");
    for (size_t k = 0; k < sc->n_issues; k++) {
        assert_int_equal(sc->issues[k].kind, PARLEY_ISSUE_INTEGER);
        assert_true(sc->issues[k].min == 8 && sc->issues[k].max == 14);
        assert_true(sc->issues[k].resolution == 1);
        assert_null(sc->issues[k].options);
    }
    assert_string_equal(sc->issues[0].id, "0_00_2_59_prices_cents_kwh");
    long c = party_index(sc, "consumer");
    const parley_value_fn_t *fn = &sc->parties[c].values[0];
    assert_int_equal(fn->kind, PARLEY_VALUE_LINEAR);
    assert_true(fn->offset == 1.0 && fn->slope == -0.15 && fn->origin == 8);
    /* 11 cents: 1 - 0.15 * 3 */
    double v = parley_value_eval(fn, &sc->issues[0], 3);
    assert_true(v > 0.55 - 1e-12 && v < 0.55 + 1e-12);
    assert_true(sc->parties[c].weights[7] == 0.25);
    parley_scenario_free(sc);
}

/* ---- GENIUS: small hand-made inputs ------------------------------------ */

static const char small_domain[] =
    "<negotiation_template>\n"                                            /* 1 */
    "<utility_space number_of_issues=\"3\">\n"                            /* 2 */
    "<objective index=\"0\" etype=\"objective\" name=\"root\">\n"         /* 3 */
    "<issue index=\"1\" etype=\"discrete\" type=\"discrete\" name=\"Colour\">\n"
    "<item index=\"1\" value=\"red\"/>\n"                                 /* 5 */
    "<item index=\"2\" value=\"green\"/>\n"                               /* 6 */
    "<item index=\"3\" value=\"blue\"/>\n"                                /* 7 */
    "</issue>\n"                                                          /* 8 */
    "<issue index=\"2\" etype=\"integer\" type=\"integer\" name=\"Price\" "
    "lowerbound=\"10\" upperbound=\"14\"/>\n"                             /* 9 */
    "<issue index=\"3\" etype=\"discrete\" type=\"discrete\" name=\"Size\">\n"
    "<item index=\"1\" value=\"S\"/>\n"                                   /* 11 */
    "<item index=\"2\" value=\"L\"/>\n"                                   /* 12 */
    "</issue>\n"                                                          /* 13 */
    "</objective>\n"                                                      /* 14 */
    "</utility_space>\n"                                                  /* 15 */
    "</negotiation_template>\n";                                          /* 16 */

/* Issues in another order and with other indices than the domain's: they
 * are matched by name, weights by the profile's own indices. */
static const char small_profile[] =
    "<utility_space>\n"                                                   /* 1 */
    "<objective index=\"0\" etype=\"objective\" name=\"root\">\n"         /* 2 */
    "<issue index=\"7\" type=\"integer\" name=\"Price\" lowerbound=\"10\" "
    "upperbound=\"14\">\n"                                                /* 3 */
    "<evaluator ftype=\"linear\" offset=\"1.5\" slope=\"-0.5\"/>\n"      /* 4 */
    "</issue>\n"                                                          /* 5 */
    "<issue index=\"5\" type=\"discrete\" name=\"Colour\">\n"             /* 6 */
    "<item index=\"1\" value=\"red\" evaluation=\"2\"/>\n"                /* 7 */
    "<item index=\"2\" value=\"green\" evaluation=\"8\"/>\n"              /* 8 */
    "<item index=\"3\" value=\"blue\" evaluation=\"4\"/>\n"               /* 9 */
    "</issue>\n"                                                          /* 10 */
    "<issue index=\"6\" type=\"discrete\" name=\"Size\">\n"               /* 11 */
    "<item index=\"1\" value=\"S\" evaluation=\"0\"/>\n"                  /* 12 */
    "<item index=\"2\" value=\"L\" evaluation=\"3\"/>\n"                  /* 13 */
    "</issue>\n"                                                          /* 14 */
    "<weight index=\"5\" value=\"0.5\"/>\n"                               /* 15 */
    "<weight index=\"6\" value=\"0.2\"/>\n"                               /* 16 */
    "<weight index=\"7\" value=\"0.3\"/>\n"                               /* 17 */
    "</objective>\n"                                                      /* 18 */
    "<reservation value=\"0.25\"/>\n"                                     /* 19 */
    "<discount_factor value=\"0.9\"/>\n"                                  /* 20 */
    "</utility_space>\n";                                                 /* 21 */

static parley_status_t import_small(const char *domain, const char *profile,
                                    parley_scenario_t **out,
                                    parley_diags_t *diags)
{
    const char *profiles[1] = {profile};
    size_t lens[1] = {strlen(profile)};
    return parley_import_genius_strings(domain, strlen(domain), profiles, lens,
                                        1, out, diags);
}

/* Imports a profile that must fail with `code`; returns the diagnostics. */
static parley_diags_t *import_bad(const char *domain, const char *profile,
                                  parley_status_t code)
{
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)&sc; /* must be reset */
    parley_status_t st = import_small(domain, profile, &sc, diags);
    if (st != code)
        print_diags(diags);
    assert_int_equal(st, code);
    assert_null(sc);
    assert_true(parley_diags_errors(diags) > 0);
    return diags;
}

/*
 * The small profile (or domain) with its first `old` replaced by `new`:
 * the import must fail with `code`; returns the diagnostics.
 */
static parley_diags_t *edited_profile_fails(const char *old, const char *new,
                                            parley_status_t code)
{
    char *profile = replaced(small_profile, old, new);
    parley_diags_t *d = import_bad(small_domain, profile, code);
    free(profile);
    return d;
}

static parley_diags_t *edited_domain_fails(const char *old, const char *new,
                                           parley_status_t code)
{
    char *domain = replaced(small_domain, old, new);
    parley_diags_t *d = import_bad(domain, small_profile, code);
    free(domain);
    return d;
}

/* The same, with an error of `code` at this line of the file that was
 * edited, on this path (NULL = any) and containing `needle`. */
static void edited_profile_error(const char *old, const char *new,
                                 parley_status_t code, unsigned line,
                                 const char *path, const char *needle)
{
    parley_diags_t *d = edited_profile_fails(old, new, code);
    EXPECT_ERROR(d, code, "profile1", line, 0, path, needle);
    parley_diags_free(d);
}

static void edited_domain_error(const char *old, const char *new,
                                parley_status_t code, unsigned line,
                                const char *path, const char *needle)
{
    parley_diags_t *d = edited_domain_fails(old, new, code);
    EXPECT_ERROR(d, code, "domain", line, 0, path, needle);
    parley_diags_free(d);
}

static void test_genius_small_semantics(void **state)
{
    (void)state;
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(import_small(small_domain, small_profile, &sc, diags),
                     PARLEY_OK);
    assert_string_equal(sc->name, "domain");
    assert_int_equal(sc->n_issues, 3);
    assert_string_equal(sc->issues[0].id, "colour");
    assert_string_equal(sc->issues[1].id, "price");
    assert_string_equal(sc->issues[2].id, "size");
    assert_int_equal(sc->issues[1].n_options, 5);
    const parley_party_t *p = &sc->parties[0];
    assert_string_equal(p->id, "profile1");
    assert_true(p->reservation == 0.25 && p->discount == 0.9);
    /* Weights land on the issues their index names, in domain order. */
    assert_true(p->weights[0] == 0.5);
    assert_true(p->weights[1] == 0.3);
    assert_true(p->weights[2] == 0.2);
    /* 2/8, 8/8, 4/8 and 0/3, 3/3 */
    assert_true(p->values[0].table[0] == 0.25);
    assert_true(p->values[0].table[1] == 1);
    assert_true(p->values[0].table[2] == 0.5);
    assert_true(p->values[2].table[0] == 0);
    assert_true(p->values[2].table[1] == 1);
    /* clamp(1.5 - 0.5 (v - 10), 0, 1) at 10..14: 1, 1, 0.5, 0, 0 */
    const double want[5] = {1, 1, 0.5, 0, 0};
    for (size_t j = 0; j < 5; j++)
        assert_true(parley_value_eval(&p->values[1], &sc->issues[1], j) ==
                    want[j]);
    uint32_t pkg[3] = {0, 2, 1}; /* red, 12, L */
    double u = package_utility(sc, &sc->parties[0], pkg);
    assert_true(u > 0.475 - 1e-12 && u < 0.475 + 1e-12);
    parley_scenario_free(sc);
    parley_diags_free(diags);
}

static void test_genius_defaults_and_profile_lowerbound(void **state)
{
    (void)state;
    /* No reservation, no discount; lowerbound 11 in the profile. */
    char *a = replaced(small_profile, "<reservation value=\"0.25\"/>\n", "");
    char *b = replaced(a, "<discount_factor value=\"0.9\"/>\n", "");
    char *c = replaced(b, "lowerbound=\"10\"", "lowerbound=\"11\"");
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(import_small(small_domain, c, &sc, diags), PARLEY_OK);
    assert_true(sc->parties[0].reservation == 0);
    assert_true(sc->parties[0].discount == 1);
    /* GENIUS counts from the profile's lowerbound: at 11 the value is 1.5. */
    assert_true(sc->parties[0].values[1].origin == 11);
    assert_true(parley_value_eval(&sc->parties[0].values[1], &sc->issues[1],
                                  3) == 0.5);
    expect_diag(diags, PARLEY_SEVERITY_WARNING, PARLEY_EINVALID, "profile1", 3,
                0, "issue 'Price'", "lowerbound 11 differs");
    parley_scenario_free(sc);
    parley_diags_free(diags);
    free(a);
    free(b);
    free(c);
}

static void test_genius_malformed_xml(void **state)
{
    (void)state;
    /* The blue item is not closed; libxml2 notices at line 10. */
    parley_diags_t *d = edited_profile_fails("evaluation=\"4\"/>",
                                             "evaluation=\"4\">",
                                             PARLEY_ESYNTAX);
    EXPECT_ERROR(d, PARLEY_ESYNTAX, "profile1", 10, 0, NULL, "malformed XML");
    EXPECT_ERROR(d, PARLEY_ESYNTAX, "profile1", 10, 0, NULL, "mismatch");
    parley_diags_free(d);

    /* Not XML at all, and an empty document. */
    d = import_bad("this is not xml", small_profile, PARLEY_ESYNTAX);
    EXPECT_ERROR(d, PARLEY_ESYNTAX, "domain", 1, 0, NULL, "malformed XML");
    parley_diags_free(d);
    d = import_bad(small_domain, "", PARLEY_ESYNTAX);
    EXPECT_ERROR(d, PARLEY_ESYNTAX, "profile1", 0, 0, NULL, "empty");
    parley_diags_free(d);
}

static void test_genius_missing_domain_issue(void **state)
{
    (void)state;
    char *a = replaced(small_profile,
                       "<issue index=\"6\" type=\"discrete\" name=\"Size\">\n"
                       "<item index=\"1\" value=\"S\" evaluation=\"0\"/>\n"
                       "<item index=\"2\" value=\"L\" evaluation=\"3\"/>\n"
                       "</issue>\n",
                       "");
    char *b = replaced(a, "<weight index=\"6\" value=\"0.2\"/>\n", "");
    parley_diags_t *d = import_bad(small_domain, b, PARLEY_EMISSING);
    EXPECT_ERROR(d, PARLEY_EMISSING, "profile1", 2, 0, "issue 'Size'",
                 "issue 'Size' of the domain is missing from this profile");
    assert_int_equal(parley_diags_errors(d), 1);
    parley_diags_free(d);
    free(a);
    free(b);
}

static void test_genius_unknown_ftype(void **state)
{
    (void)state;
    edited_profile_error("ftype=\"linear\"", "ftype=\"exponential\"",
                         PARLEY_EINVALID, 4, "issue 'Price'",
                         "unsupported evaluator ftype 'exponential'");
}

static void test_genius_bad_items_and_weights(void **state)
{
    (void)state;
    /* An item the domain does not have; blue then has no evaluation. */
    parley_diags_t *d = edited_profile_fails("value=\"blue\"",
                                             "value=\"purple\"",
                                             PARLEY_EUNKNOWN);
    EXPECT_ERROR(d, PARLEY_EUNKNOWN, "profile1", 9, 0, "issue 'Colour'",
                 "item 'purple' is not an option of issue 'Colour'");
    EXPECT_ERROR(d, PARLEY_EMISSING, "profile1", 6, 0, "issue 'Colour'",
                 "option 'blue' of the domain has no evaluation");
    parley_diags_free(d);

    /* An issue without a weight. */
    edited_profile_error("<weight index=\"6\" value=\"0.2\"/>\n", "",
                         PARLEY_EMISSING, 11, "issue 'Size'",
                         "has no <weight index=\"6\">");

    /* A weight that names no issue. */
    edited_profile_error("<weight index=\"6\"", "<weight index=\"9\"",
                         PARLEY_EUNKNOWN, 16, "weight",
                         "<weight index=\"9\"> matches no issue");

    /* A negative evaluation. */
    edited_profile_error("evaluation=\"2\"", "evaluation=\"-1\"",
                         PARLEY_ERANGE, 7, "issue 'Colour'",
                         "evaluation -1 is negative");

    /* Every evaluation zero. */
    edited_profile_error("evaluation=\"3\"", "evaluation=\"0.0\"",
                         PARLEY_EINVALID, 11, "issue 'Size'",
                         "every evaluation is zero");

    /* A non-numeric evaluation. */
    edited_profile_error("evaluation=\"8\"", "evaluation=\"lots\"",
                         PARLEY_ETYPE, 8, "issue 'Colour'", "found 'lots'");

    /* An issue without a readable index: reported once, as such. */
    d = edited_profile_fails("<issue index=\"6\"", "<issue index=\"six\"",
                             PARLEY_EMISSING);
    EXPECT_ERROR(d, PARLEY_EMISSING, "profile1", 11, 0, "issue 'Size'",
                 "expected an integer index attribute");
    EXPECT_ERROR(d, PARLEY_EUNKNOWN, "profile1", 16, 0, "weight",
                 "<weight index=\"6\"> matches no issue");
    assert_int_equal(parley_diags_errors(d), 2);
    parley_diags_free(d);

    /* Two issues with one index. */
    edited_profile_error("<issue index=\"6\"", "<issue index=\"5\"",
                         PARLEY_EDUPLICATE, 11, "issue 'Size'",
                         "index 5 is also used by issue 'Colour'");

    /* An issue the domain does not have. */
    d = edited_profile_fails("name=\"Size\"", "name=\"Weight\"",
                             PARLEY_EUNKNOWN);
    EXPECT_ERROR(d, PARLEY_EUNKNOWN, "profile1", 11, 0, "issue 'Weight'",
                 "issue 'Weight' is not in the domain domain");
    EXPECT_ERROR(d, PARLEY_EMISSING, "profile1", 2, 0, "issue 'Size'",
                 "missing from this profile");
    parley_diags_free(d);
}

static void test_genius_bad_scalars(void **state)
{
    (void)state;
    edited_profile_error("<reservation value=\"0.25\"/>",
                         "<reservation value=\"1.5\"/>", PARLEY_ERANGE, 19,
                         "reservation", "outside [0, 1]");

    edited_profile_error("<discount_factor value=\"0.9\"/>",
                         "<discount_factor value=\"0\"/>", PARLEY_ERANGE, 20,
                         "discount_factor", "outside (0, 1]");

    edited_profile_error("offset=\"1.5\"", "offset=\"nan\"", PARLEY_ETYPE, 4,
                         "issue 'Price'", "offset='nan'");
}

static void test_genius_bad_domains(void **state)
{
    (void)state;
    /* A real issue. */
    edited_domain_error("etype=\"integer\" type=\"integer\" name=\"Price\"",
                        "etype=\"real\" type=\"real\" name=\"Price\"",
                        PARLEY_EINVALID, 9, "issue 'Price'",
                        "real issues are not supported");

    /* The same item twice. */
    edited_domain_error("value=\"blue\"", "value=\"red\"", PARLEY_EDUPLICATE, 4,
                        "issue 'Colour'",
                        "item 'red' is listed twice (items 1 and 3)");

    /* Inverted bounds. */
    edited_domain_error("upperbound=\"14\"", "upperbound=\"9\"",
                        PARLEY_ERANGE, 9, "issue 'Price'",
                        "lowerbound 10 is above upperbound 9");

    /* A profile given where the domain belongs, and the other way round. */
    parley_diags_t *d =
        import_bad(small_profile, small_profile, PARLEY_EINVALID);
    EXPECT_ERROR(d, PARLEY_EINVALID, "domain", 1, 0, NULL,
                 "this is a GENIUS preference profile");
    parley_diags_free(d);
    d = import_bad(small_domain, small_domain, PARLEY_EINVALID);
    EXPECT_ERROR(d, PARLEY_EINVALID, "profile1", 1, 0, NULL,
                 "this is a GENIUS domain");
    parley_diags_free(d);
}

static void test_genius_doctype_refused(void **state)
{
    (void)state;
    /* Exponential entity expansion if anything expanded it. */
    const char *laughs =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE lolz [\n"
        " <!ENTITY lol \"lol\">\n"
        " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
        " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
        " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
        " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
        " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
        " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
        " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
        " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
        "]>\n"
        "<negotiation_template><utility_space><objective>\n"
        "<issue name=\"&lol9;\" type=\"discrete\"><item value=\"&lol9;\"/>"
        "</issue></objective></utility_space></negotiation_template>\n";
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = import_small(laughs, small_profile, &sc, diags);
    assert_true(st == PARLEY_EINVALID || st == PARLEY_ESYNTAX);
    assert_null(sc);
    assert_true(parley_diags_errors(diags) > 0);
    if (st == PARLEY_EINVALID)
        EXPECT_ERROR(diags, PARLEY_EINVALID, "domain", 2, 0, NULL,
                     "<!DOCTYPE>");
    parley_diags_free(diags);
}

static void test_genius_doctype_line(void **state)
{
    (void)state;
    edited_domain_error("<negotiation_template>\n",
                        "<!DOCTYPE negotiation_template [\n"
                        "<!ENTITY red \"red\">\n"
                        "]>\n"
                        "<negotiation_template>\n",
                        PARLEY_EINVALID, 1, NULL, "<!DOCTYPE>");
    /* A weight that is there but broken is reported once, as broken. */
    parley_diags_t *d =
        edited_profile_fails("<weight index=\"6\" value=\"0.2\"/>",
                             "<weight index=\"6\" value=\"-0.2\"/>",
                             PARLEY_ERANGE);
    EXPECT_ERROR(d, PARLEY_ERANGE, "profile1", 16, 0, "issue 'Size'",
                 "weight -0.2 is negative");
    assert_int_equal(parley_diags_errors(d), 1);
    parley_diags_free(d);
}

static void test_genius_huge_and_deep(void **state)
{
    (void)state;
    /* Nesting far past libxml2's default depth limit. */
    size_t depth = 100000;
    char *deep = malloc(depth * 7 + 64);
    assert_non_null(deep);
    char *w = deep;
    for (size_t i = 0; i < depth; i++)
        w += sprintf(w, "<a>");
    for (size_t i = 0; i < depth; i++)
        w += sprintf(w, "</a>");
    parley_diags_t *d = import_bad(small_domain, deep, PARLEY_ESYNTAX);
    EXPECT_ERROR(d, PARLEY_ESYNTAX, "profile1", 1, 0, NULL, "depth");
    parley_diags_free(d);
    free(deep);

    /* Past the size limit: refused before any parsing. */
    size_t n = ((size_t)16 << 20) + 1;
    char *huge = malloc(n + 1);
    assert_non_null(huge);
    memset(huge, ' ', n);
    huge[n] = '\0';
    d = import_bad(small_domain, huge, PARLEY_ELIMIT);
    EXPECT_ERROR(d, PARLEY_ELIMIT, "profile1", 0, 0, NULL,
                 "more than the 16777216");
    parley_diags_free(d);
    free(huge);
}

static void test_genius_unique_ids(void **state)
{
    (void)state;
    /* "Size" and "size!" make the same id: the second gets a suffix. */
    char *dom = replaced(small_domain, "name=\"Price\"", "name=\"size!\"");
    char *prof = replaced(small_profile, "name=\"Price\"", "name=\"size!\"");
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(import_small(dom, prof, &sc, diags), PARLEY_OK);
    assert_string_equal(sc->issues[1].id, "size");
    assert_string_equal(sc->issues[1].name, "size!");
    assert_string_equal(sc->issues[2].id, "size_2");
    assert_string_equal(sc->issues[2].name, "Size");
    parley_scenario_free(sc);
    free(dom);
    free(prof);

    /* The same profile file twice: two parties, two ids. */
    const char *p = DATA "/genius/Laptop/laptop_buyer_utility.xml";
    const char *profiles[2] = {p, p};
    assert_int_equal(parley_import_genius(DATA "/genius/Laptop/laptop_domain.xml",
                                          profiles, 2, &sc, diags),
                     PARLEY_OK);
    assert_string_equal(sc->parties[0].id, "laptop_buyer_utility");
    assert_string_equal(sc->parties[1].id, "laptop_buyer_utility_2");
    parley_scenario_free(sc);
    parley_diags_free(diags);
}

static void test_genius_every_profile_reported(void **state)
{
    (void)state;
    char *bad1 = replaced(small_profile, "ftype=\"linear\"", "ftype=\"log\"");
    char *bad2 = replaced(small_profile, "value=\"green\"", "value=\"grey\"");
    const char *profiles[3] = {bad1, small_profile, bad2};
    size_t lens[3] = {strlen(bad1), strlen(small_profile), strlen(bad2)};
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_import_genius_strings(
        small_domain, strlen(small_domain), profiles, lens, 3, &sc, diags);
    assert_int_equal(st, PARLEY_EINVALID); /* the first error's */
    assert_null(sc);
    EXPECT_ERROR(diags, PARLEY_EINVALID, "profile1", 4, 0, "issue 'Price'",
                 "ftype 'log'");
    EXPECT_ERROR(diags, PARLEY_EUNKNOWN, "profile3", 8, 0, "issue 'Colour'",
                 "item 'grey'");
    for (size_t i = 0; i < parley_diags_count(diags); i++)
        assert_string_not_equal(parley_diags_get(diags, i)->file, "profile2");
    parley_diags_free(diags);
    free(bad1);
    free(bad2);
}

static void test_genius_files_and_sniffing(void **state)
{
    (void)state;
    const char *dom = DATA "/genius/Laptop/laptop_domain.xml";
    const char *prof = DATA "/genius/Laptop/laptop_buyer_utility.xml";
    assert_true(parley_import_is_genius(dom));
    assert_true(parley_import_is_genius(prof));
    assert_false(parley_import_is_genius(DATA "/ktab/SOE-Policy.csv"));
    assert_false(parley_import_is_genius(DATA "/genius/PROVENANCE.md"));
    assert_false(parley_import_is_genius(DATA "/no/such/file.xml"));
    assert_false(parley_import_is_genius(NULL));

    const char *missing = DATA "/genius/Laptop/no_such_profile.xml";
    const char *profiles[2] = {prof, missing};
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_import_genius(dom, profiles, 2, &sc, diags),
                     PARLEY_EIO);
    assert_null(sc);
    EXPECT_ERROR(diags, PARLEY_EIO, missing, 0, 0, NULL, "cannot open");
    parley_diags_clear(diags);
    assert_int_equal(parley_import_genius(dom, profiles, 0, &sc, diags),
                     PARLEY_EARG);
    assert_int_equal(parley_import_genius(NULL, profiles, 1, &sc, diags),
                     PARLEY_EARG);
    parley_diags_free(diags);
}

/* libxml2 must not write to stderr: its messages become diagnostics. */
static void test_genius_stderr_silent(void **state)
{
    (void)state;
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), 2);
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st1 = import_small("<a><b></a>", small_profile, &sc, diags);
    parley_status_t st2 =
        import_small(small_domain, "<utility_space>&undefined;</utility_space>",
                     &sc, diags);
    int sniff = parley_import_is_genius(DATA "/ktab/SOE-Policy.csv");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long size = ftell(tmp);
    fseek(tmp, 0, SEEK_END);
    size = ftell(tmp);
    fclose(tmp);
    assert_int_equal(st1, PARLEY_ESYNTAX);
    assert_int_equal(st2, PARLEY_ESYNTAX);
    assert_false(sniff);
    assert_int_equal(size, 0);
    EXPECT_ERROR(diags, PARLEY_ESYNTAX, "profile1", 1, 0, NULL, "undefined");
    parley_diags_free(diags);
}

/* ---- KTAB -------------------------------------------------------------- */

static parley_scenario_t *ktab_ok(const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ktab/%s", DATA, file);
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = parley_import_ktab(path, &sc, diags);
    if (st != PARLEY_OK)
        print_diags(diags);
    assert_int_equal(st, PARLEY_OK);
    assert_int_equal(parley_diags_errors(diags), 0);
    parley_diags_free(diags);
    return sc;
}

/* Checks one actor: power, and per dimension ideal and weight. */
static void check_actor(const parley_scenario_t *sc, const char *id,
                        const char *name, double power, const double *ideal,
                        const double *salience)
{
    long i = party_index(sc, id);
    const parley_party_t *p = &sc->parties[i];
    assert_string_equal(p->name, name);
    assert_int_equal(p->role, PARLEY_ROLE_PARTY);
    assert_true(p->power == power);
    assert_true(p->reservation == 0 && p->discount == 1);
    for (size_t d = 0; d < sc->n_issues; d++) {
        const parley_value_fn_t *fn = &p->values[d];
        assert_int_equal(fn->kind, PARLEY_VALUE_IDEAL);
        assert_int_equal(fn->loss, PARLEY_LOSS_LINEAR);
        assert_true(fn->scale == 100);
        assert_true(fn->ideal == ideal[d]);
        assert_true(p->weights[d] == salience[d] / 100);
        /* value of option 0 (position 0): 1 - ideal / 100 */
        double v = parley_value_eval(fn, &sc->issues[d], 0);
        assert_true(v > 1 - ideal[d] / 100 - 1e-12 &&
                    v < 1 - ideal[d] / 100 + 1e-12);
    }
}

static void check_dimension(const parley_scenario_t *sc, size_t d,
                            const char *id, const char *name)
{
    const parley_issue_t *is = &sc->issues[d];
    assert_string_equal(is->id, id);
    assert_string_equal(is->name, name);
    assert_int_equal(is->kind, PARLEY_ISSUE_INTEGER);
    assert_true(is->min == 0 && is->max == 100 && is->resolution == 1);
    assert_int_equal(is->n_options, 101);
}

static void test_ktab_soe_competitive(void **state)
{
    (void)state;
    parley_scenario_t *sc = ktab_ok("SOE-Competitive.csv");
    assert_string_equal(sc->name, "China Competitive; scen 1");
    assert_string_equal(sc->description,
                        "Scenario-0001; Reforming CNPC as the dominant SOE in "
                        "the upstream oil and gas sector in China");
    assert_non_null(strstr(sc->source, "SOE-Competitive.csv"));
    assert_int_equal(sc->n_issues, 1);
    assert_int_equal(sc->n_parties, 34);
    check_dimension(sc, 0, "competitive", "Competitive");
    check_actor(sc, "XJ", "Xi Jinping", 100, (double[]){20},
                (double[]){60});
    check_actor(sc, "SASAC", "Zhang Yi - SASAC", 25, (double[]){60},
                (double[]){95});
    check_actor(sc, "SP", "CNPC - Service Providers", 5, (double[]){0},
                (double[]){70});
    check_actor(sc, "FSM", "Competitors - Foreign (Small-Medium)", 5,
                (double[]){70}, (double[]){60});
    assert_string_equal(sc->parties[33].id, "FSM");
    parley_scenario_free(sc);
}

static void test_ktab_soe_policy(void **state)
{
    (void)state;
    parley_scenario_t *sc = ktab_ok("SOE-Policy.csv");
    assert_string_equal(sc->name, "China Policy; scen 0");
    assert_int_equal(sc->n_parties, 26);
    check_dimension(sc, 0, "policy", "Policy");
    check_actor(sc, "LK", "Li Keqiang", 65, (double[]){45}, (double[]){65});
    check_actor(sc, "USA", "US Gov", 8, (double[]){100}, (double[]){50});
    check_actor(sc, "ZGB", "Zhang Guobao - former NDRC; still influential", 15,
                (double[]){20}, (double[]){50});
    parley_scenario_free(sc);
}

static void test_ktab_soe_pol_comp(void **state)
{
    (void)state;
    parley_scenario_t *sc = ktab_ok("SOE-Pol-Comp.csv");
    assert_string_equal(sc->name, "China Policy/Competitive; scen 2");
    assert_string_equal(sc->description,
                        "Scenario-0002;Combined Policy and Competitive");
    assert_int_equal(sc->n_issues, 2);
    assert_int_equal(sc->n_parties, 13);
    check_dimension(sc, 0, "policy", "Policy");
    check_dimension(sc, 1, "competitive", "Competitive");
    check_actor(sc, "XJ", "Xi Jinping", 100, (double[]){30, 20},
                (double[]){24, 48});
    check_actor(sc, "LK", "Li Keqiang", 60.2, (double[]){45, 65},
                (double[]){44.7, 41.3});
    check_actor(sc, "WY", "CNOOC - Wang Yilin", 40, (double[]){15, 60},
                (double[]){49, 46});
    /* Saliences sum below 100: weights sum below 1 (XJ: 0.72). */
    const parley_party_t *xj = &sc->parties[party_index(sc, "XJ")];
    assert_true(xj->weights[0] + xj->weights[1] < 0.72 + 1e-12 &&
                xj->weights[0] + xj->weights[1] > 0.72 - 1e-12);
    parley_scenario_free(sc);
}

static void test_ktab_dummy_3dim(void **state)
{
    (void)state;
    parley_scenario_t *sc = ktab_ok("dummyData_3Dim.csv");
    assert_string_equal(sc->name, "DummyData_3Dim");
    assert_string_equal(sc->description, "Dummy scenario to test reading format");
    assert_int_equal(sc->n_issues, 3);
    assert_int_equal(sc->n_parties, 7);
    check_dimension(sc, 0, "pstn1", "Pstn1");
    check_dimension(sc, 2, "pstn3", "Pstn3");
    check_actor(sc, "SActor-00", "Random Spatial Actor", 102.543,
                (double[]){75.79, 6.37, 70.45},
                (double[]){49.53, 5.91, 28.15});
    check_actor(sc, "SActor-02", "Random Spatial Actor", 129.643,
                (double[]){82.45, 90.89, 0.07},
                (double[]){48.47, 13.55, 34.62});
    check_actor(sc, "SActor-06", "Random Spatial Actor", 54.178,
                (double[]){70.96, 33.46, 90.36},
                (double[]){31.75, 27.93, 26.03});
    parley_scenario_free(sc);
}

static const char small_ktab[] =
    "Test; scen 9,\"A test, quoted \"\"here\"\"\", 2, 2,\n"
    "Actor,Description,Influence,Alpha Position,Alpha Salience,"
    "Beta Position,Beta Salience,\n"
    "A,First actor,50,10,40,90,30,\n"
    "B,Second actor,25,60,70,20,30,\n";

static parley_diags_t *ktab_bad(const char *text, parley_status_t code)
{
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = (parley_scenario_t *)&sc;
    parley_status_t st =
        parley_import_ktab_string(text, strlen(text), "t.csv", &sc, diags);
    if (st != code)
        print_diags(diags);
    assert_int_equal(st, code);
    assert_null(sc);
    assert_true(parley_diags_errors(diags) > 0);
    return diags;
}

/* small_ktab with its first `old` replaced by `new` must fail with `code`. */
static parley_diags_t *edited_ktab_fails(const char *old, const char *new,
                                         parley_status_t code)
{
    char *text = replaced(small_ktab, old, new);
    parley_diags_t *d = ktab_bad(text, code);
    free(text);
    return d;
}

/* The same, with an error of `code` at this line and column (0 = any), on
 * this path (NULL = any) and containing `needle`. */
static void edited_ktab_error(const char *old, const char *new,
                              parley_status_t code, unsigned line,
                              unsigned column, const char *path,
                              const char *needle)
{
    parley_diags_t *d = edited_ktab_fails(old, new, code);
    EXPECT_ERROR(d, code, "t.csv", line, column, path, needle);
    parley_diags_free(d);
}

static void test_ktab_small(void **state)
{
    (void)state;
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_import_ktab_string(small_ktab, strlen(small_ktab),
                                               "t.csv", &sc, diags),
                     PARLEY_OK);
    assert_string_equal(sc->name, "Test; scen 9");
    assert_string_equal(sc->description, "A test, quoted \"here\"");
    check_dimension(sc, 0, "alpha", "Alpha");
    check_dimension(sc, 1, "beta", "Beta");
    check_actor(sc, "A", "First actor", 50, (double[]){10, 90},
                (double[]){40, 30});
    check_actor(sc, "B", "Second actor", 25, (double[]){60, 20},
                (double[]){70, 30});
    parley_scenario_free(sc);
    parley_diags_free(diags);
}

static void test_ktab_bad_rows(void **state)
{
    (void)state;
    /* Too few columns. */
    edited_ktab_error("B,Second actor,25,60,70,20,30,",
                      "B,Second actor,25,60,70,20,", PARLEY_EINVALID, 4, 25,
                      "row 4, column 6", "expected 7 columns");

    /* Not a number. */
    edited_ktab_error("A,First actor,50,10,", "A,First actor,50,ten,",
                      PARLEY_ETYPE, 3, 18, "row 3, column 4 (Alpha Position)",
                      "expected a number, found 'ten'");

    /* Out of range. */
    edited_ktab_error("60,70,20,30,", "60,70,20,130,", PARLEY_ERANGE, 4, 28,
                      "row 4, column 7 (Beta Salience)",
                      "130 is outside 0..100");

    /* Zero capability. */
    edited_ktab_error("B,Second actor,25,", "B,Second actor,0,",
                      PARLEY_ERANGE, 4, 16, "row 4, column 3 (Influence)",
                      "capability must be > 0");

    /* Saliences above 100 in total. */
    edited_ktab_error("60,70,20,30,", "60,70,20,31,", PARLEY_ERANGE, 4, 28,
                      "row 4, column 7 (Beta Salience)", "sum to 101");

    /* A duplicate actor. */
    edited_ktab_error("B,Second", "A,Second", PARLEY_EDUPLICATE, 4, 1,
                      "row 4, column 1 (Actor)", "actor 'A' is listed twice");

    /* Two problems in one pass. */
    parley_diags_t *d = edited_ktab_fails("A,First actor,50,10,",
                                          "A,First actor,-5,x,", PARLEY_ERANGE);
    EXPECT_ERROR(d, PARLEY_ERANGE, "t.csv", 3, 15, NULL,
                 "capability must be > 0");
    EXPECT_ERROR(d, PARLEY_ETYPE, "t.csv", 3, 18, NULL, "found 'x'");
    parley_diags_free(d);
}

static void test_ktab_bad_counts(void **state)
{
    (void)state;
    /* Declares three actors, has two. */
    edited_ktab_error("\"\", 2, 2,", "\"\", 3, 2,", PARLEY_EINVALID, 5, 0, NULL,
                      "declares 3 actors, but only 2 actor rows");

    /* Declares one actor, has two. */
    edited_ktab_error("\"\", 2, 2,", "\"\", 1, 2,", PARLEY_EINVALID, 4, 1,
                      "row 4, column 1", "more actor rows, starting with 'B'");

    /* Declares three dimensions: the header row is short. */
    edited_ktab_error("\"\", 2, 2,", "\"\", 2, 3,", PARLEY_EINVALID, 2, 0, NULL,
                      "expected 9 header columns");

    /* No count at all, and a count that is not a number. */
    edited_ktab_error("\"\", 2, 2,", "\"\", 2,", PARLEY_EINVALID, 1, 0, NULL,
                      "expected 4 columns");
    edited_ktab_error("\"\", 2, 2,", "\"\", two, 2,", PARLEY_ETYPE, 1, 41,
                      "row 1, column 3 (actors)", "found 'two'");

    /* Beyond the party limit. */
    edited_ktab_error("\"\", 2, 2,", "\"\", 65, 2,", PARLEY_ELIMIT, 1, 41, NULL,
                      "more than the 64");
}

static void test_ktab_bad_syntax(void **state)
{
    (void)state;
    edited_ktab_error("A,First actor,", "A,\"First actor,",
                      PARLEY_ESYNTAX, 3, 3, NULL, "never closed");

    edited_ktab_error("A,First actor,", "A,\"First\" actor,",
                      PARLEY_ESYNTAX, 3, 11, NULL, "after a quoted field");

    parley_diags_t *d = ktab_bad("", PARLEY_EMISSING);
    EXPECT_ERROR(d, PARLEY_EMISSING, "t.csv", 1, 1, NULL, "empty input");
    parley_diags_free(d);

    d = ktab_bad("Name,desc,1,1,\n", PARLEY_EMISSING);
    EXPECT_ERROR(d, PARLEY_EMISSING, "t.csv", 2, 0, NULL,
                 "ends before the header row");
    parley_diags_free(d);

    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(parley_import_ktab_string("a\0b", 3, "t.csv", &sc, diags),
                     PARLEY_ESYNTAX);
    EXPECT_ERROR(diags, PARLEY_ESYNTAX, "t.csv", 1, 0, NULL, "NUL byte");
    parley_diags_clear(diags);
    assert_int_equal(parley_import_ktab(DATA "/ktab/none.csv", &sc, diags),
                     PARLEY_EIO);
    EXPECT_ERROR(diags, PARLEY_EIO, DATA "/ktab/none.csv", 0, 0, NULL,
                 "cannot open");
    parley_diags_free(diags);
}

static void test_ktab_encoding_and_size(void **state)
{
    (void)state;
    /* Latin-1 e-acute in a description: refused where it stands. */
    edited_ktab_error("Second actor", "Second \xE9tat", PARLEY_ESYNTAX, 4, 10,
                      NULL, "byte 0xE9 is not valid UTF-8");
    /* UTF-8 is kept as it is. */
    char *bad = replaced(small_ktab, "Second actor", "Zh\xC5\x8Du Dadi");
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    assert_int_equal(
        parley_import_ktab_string(bad, strlen(bad), "t.csv", &sc, diags),
        PARLEY_OK);
    assert_string_equal(sc->parties[1].name, "Zh\xC5\x8Du Dadi");
    parley_scenario_free(sc);
    parley_diags_free(diags);
    free(bad);
    /* A row of junk columns is refused before it is stored. */
    size_t n = strlen(small_ktab) + 20000;
    char *big = malloc(n + 1);
    assert_non_null(big);
    strcpy(big, small_ktab);
    size_t at = strlen(big);
    memset(big + at, ',', 10000);
    big[at + 10000] = '\0';
    parley_diags_t *d = ktab_bad(big, PARLEY_ELIMIT);
    EXPECT_ERROR(d, PARLEY_ELIMIT, "t.csv", 5, 4097, NULL,
                 "row 5 has more than 4096 columns");
    parley_diags_free(d);
    free(big);
}

/* Blank rows, CRLF line ends, quotes and a byte order mark are accepted. */
static void test_ktab_lenient_layout(void **state)
{
    (void)state;
    const char *text =
        "\xEF\xBB\xBF" "Name, Desc ,1,1\r\n"
        "\r\n"
        " , , \r\n"
        "Actor,Description,Power,\"Size, big Position\",Salience\r\n"
        "\"X\", \"An actor\" ,\t7.5 , 1e1 ,  100\r\n";
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st =
        parley_import_ktab_string(text, strlen(text), "t.csv", &sc, diags);
    if (st != PARLEY_OK)
        print_diags(diags);
    assert_int_equal(st, PARLEY_OK);
    assert_string_equal(sc->name, "Name");
    assert_string_equal(sc->description, "Desc");
    check_dimension(sc, 0, "size_big", "Size, big");
    check_actor(sc, "X", "An actor", 7.5, (double[]){10}, (double[]){100});
    parley_scenario_free(sc);
    parley_diags_free(diags);
}

/* ---- allocation failures ----------------------------------------------- */

typedef parley_status_t (*import_fn)(parley_scenario_t **out,
                                     parley_diags_t *diags);

static parley_status_t import_laptop(parley_scenario_t **out,
                                     parley_diags_t *diags)
{
    return import_domain(domain_named("Laptop"), out, diags);
}

static parley_status_t import_pol_comp(parley_scenario_t **out,
                                       parley_diags_t *diags)
{
    return parley_import_ktab(DATA "/ktab/SOE-Pol-Comp.csv", out, diags);
}

static parley_status_t import_small_strings(parley_scenario_t **out,
                                            parley_diags_t *diags)
{
    return import_small(small_domain, small_profile, out, diags);
}

/*
 * One import, freed again: ENOMEM gives no scenario, and OK (also when
 * only a diagnostic's storage failed) a whole one.
 */
static parley_status_t import_once(void *ctx)
{
    import_fn fn = *(import_fn *)ctx;
    parley_diags_t *diags = parley_diags_new();
    parley_scenario_t *sc = NULL;
    parley_status_t st = fn(&sc, diags);
    if (st == PARLEY_ENOMEM)
        assert_null(sc);
    else if (st == PARLEY_OK)
        assert_non_null(sc);
    parley_scenario_free(sc);
    parley_diags_free(diags);
    return st;
}

/* Fails the 1st, 2nd, ... allocation until an import gets through. */
static void run_alloc_failures(import_fn fn)
{
    failing_alloc_opts_t o = {.may_absorb = 1, .limit = 100000};
    failing_alloc_result_t r = failing_alloc_sweep(import_once, &fn, &o);
    assert_true(r.enomem > 10);
}

static void test_alloc_failures_genius(void **state)
{
    (void)state;
    run_alloc_failures(import_laptop);
    run_alloc_failures(import_small_strings);
}

static void test_alloc_failures_ktab(void **state)
{
    (void)state;
    run_alloc_failures(import_pol_comp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genius_all_domains),
        cmocka_unit_test(test_genius_laptop_details),
        cmocka_unit_test(test_genius_reservations_and_discounts),
        cmocka_unit_test(test_genius_integer_issues),
        cmocka_unit_test(test_genius_small_semantics),
        cmocka_unit_test(test_genius_defaults_and_profile_lowerbound),
        cmocka_unit_test(test_genius_malformed_xml),
        cmocka_unit_test(test_genius_missing_domain_issue),
        cmocka_unit_test(test_genius_unknown_ftype),
        cmocka_unit_test(test_genius_bad_items_and_weights),
        cmocka_unit_test(test_genius_bad_scalars),
        cmocka_unit_test(test_genius_bad_domains),
        cmocka_unit_test(test_genius_doctype_refused),
        cmocka_unit_test(test_genius_doctype_line),
        cmocka_unit_test(test_genius_huge_and_deep),
        cmocka_unit_test(test_genius_unique_ids),
        cmocka_unit_test(test_genius_every_profile_reported),
        cmocka_unit_test(test_genius_files_and_sniffing),
        cmocka_unit_test(test_genius_stderr_silent),
        cmocka_unit_test(test_ktab_soe_competitive),
        cmocka_unit_test(test_ktab_soe_policy),
        cmocka_unit_test(test_ktab_soe_pol_comp),
        cmocka_unit_test(test_ktab_dummy_3dim),
        cmocka_unit_test(test_ktab_small),
        cmocka_unit_test(test_ktab_bad_rows),
        cmocka_unit_test(test_ktab_bad_counts),
        cmocka_unit_test(test_ktab_bad_syntax),
        cmocka_unit_test(test_ktab_lenient_layout),
        cmocka_unit_test(test_ktab_encoding_and_size),
        cmocka_unit_test_teardown(test_alloc_failures_genius,
                                  failing_alloc_teardown),
        cmocka_unit_test_teardown(test_alloc_failures_ktab,
                                  failing_alloc_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
