# The web interface's end-to-end tests (tests/e2e/run.sh): registered only
# where parleyd is built and node, npm and Chromium are on the machine, so a
# build without them still configures and passes.  Included at the end of
# the top-level CMakeLists.txt, after the parleyd target is defined.
if(PARLEY_TESTS AND TARGET parleyd)
  find_program(PARLEY_NODE node)
  find_program(PARLEY_NPM npm)
  if(PARLEY_NODE AND PARLEY_NPM AND EXISTS /usr/bin/chromium)
    add_test(NAME e2e_web
             COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e/run.sh
                     $<TARGET_FILE:parleyd> ${CMAKE_SOURCE_DIR}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(e2e_web PROPERTIES
      TIMEOUT 600
      ENVIRONMENT "E2E_ARTIFACTS=${CMAKE_BINARY_DIR}/e2e-artifacts")
  else()
    message(STATUS "node, npm or /usr/bin/chromium missing: no e2e_web test")
  endif()
endif()
