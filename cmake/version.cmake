# Derives swath's version string from the project version and `git describe`, at configure time;
# -DSWATH_GIT_DESCRIBE=... gives it where the sources have no .git (the image's build root).
if(NOT SWATH_GIT_DESCRIBE)
  find_package(Git QUIET)
  if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
    execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
                    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
                    OUTPUT_VARIABLE SWATH_GIT_DESCRIBE OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET)
  endif()
endif()
if(SWATH_GIT_DESCRIBE STREQUAL "")
  set(SWATH_GIT_DESCRIBE "unknown")
endif()
set(SWATH_YAML_CPP_VERSION "${yaml-cpp_VERSION}")
configure_file("${PROJECT_SOURCE_DIR}/lib/core/build_info.hpp.in"
               "${PROJECT_BINARY_DIR}/generated/core/build_info.hpp" @ONLY)
