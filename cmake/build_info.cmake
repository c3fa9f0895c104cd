# Writes core/build_info.hpp with `git describe` as it is now (cmake -P, at every build), so a binary built after a
# commit names that commit; configure_file leaves the file, and what includes it, untouched when nothing changed.
# Inputs (-D): SOURCE_DIR, OUTPUT, GIT_EXECUTABLE, PROJECT_VERSION, CMAKE_BUILD_TYPE, CMAKE_CXX_COMPILER_ID,
# CMAKE_CXX_COMPILER_VERSION, SWATH_YAML_CPP_VERSION.
execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
                WORKING_DIRECTORY "${SOURCE_DIR}"
                OUTPUT_VARIABLE SWATH_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
if(SWATH_GIT_DESCRIBE STREQUAL "")
  set(SWATH_GIT_DESCRIBE "unknown")
endif()
configure_file("${SOURCE_DIR}/lib/core/build_info.hpp.in" "${OUTPUT}" @ONLY)
