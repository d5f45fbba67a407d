/*
 * packages.h - walking and scoring packages straight from a scenario.
 *
 * The slow obvious way the fast paths are checked against: a package is one
 * option index per issue, a party's utility is the sum of weight * value in
 * issue order (the order the library sums in, so that results compare bit
 * for bit), and packages are visited in index order.
 */
#ifndef PARLEY_TESTS_PACKAGES_H
#define PARLEY_TESTS_PACKAGES_H

#include <stdint.h>

#include "parley/scenario.h"

/* Utility of party p (a party of sc, or a profile on sc's issues) at pkg. */
double package_utility(const parley_scenario_t *sc, const parley_party_t *p,
                       const uint32_t *pkg);

/* Whether pkg crosses one of p's red lines. */
int package_breaks_red_line(const parley_scenario_t *sc,
                            const parley_party_t *p, const uint32_t *pkg);

/*
 * Steps pkg (all zeros to begin with) to the next package in index order,
 * the last issue fastest; returns 0, with pkg back to all zeros, once every
 * package was visited.  A scenario without issues has one package:
 *     do { ... } while (package_next(sc, pkg));
 */
int package_next(const parley_scenario_t *sc, uint32_t *pkg);

#endif
