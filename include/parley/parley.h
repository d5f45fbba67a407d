/*
 * parley/parley.h - umbrella header of libparley, the mediation engine.
 *
 * What is declared under include/parley/ is the API; everything under src/
 * is private.  Names: parley_<noun>_<verb>, types parley_<noun>_t.
 */
#ifndef PARLEY_PARLEY_H
#define PARLEY_PARLEY_H

#include "parley/alloc.h"
#include "parley/analysis.h"
#include "parley/error.h"
#include "parley/generate.h"
#include "parley/import.h"
#include "parley/model.h"
#include "parley/render.h"
#include "parley/rules.h"
#include "parley/scenario.h"
#include "parley/session.h"
#include "parley/strategy.h"

#define PARLEY_VERSION_STRING "0.1.0"

#endif
