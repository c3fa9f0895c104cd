# swath's version string: the project version and `git describe`, taken at every build from the sources' .git
# (cmake/build_info.cmake), or fixed with -DSWATH_GIT_DESCRIBE=... where the sources have no .git (the image's build
# root). Every module waits for it (lib/CMakeLists.txt).
set(SWATH_YAML_CPP_VERSION "${yaml-cpp_VERSION}")
set(SWATH_BUILD_INFO "${PROJECT_BINARY_DIR}/generated/core/build_info.hpp")
find_package(Git QUIET)
if(NOT SWATH_GIT_DESCRIBE AND GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  add_custom_target(swath_build_info
                    COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${SWATH_BUILD_INFO}
                            -DGIT_EXECUTABLE=${GIT_EXECUTABLE} -DPROJECT_VERSION=${PROJECT_VERSION}
                            -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DCMAKE_CXX_COMPILER_ID=${CMAKE_CXX_COMPILER_ID}
                            -DCMAKE_CXX_COMPILER_VERSION=${CMAKE_CXX_COMPILER_VERSION}
                            -DSWATH_YAML_CPP_VERSION=${SWATH_YAML_CPP_VERSION}
                            -P "${PROJECT_SOURCE_DIR}/cmake/build_info.cmake"
                    BYPRODUCTS "${SWATH_BUILD_INFO}"
                    COMMENT "swath version from git describe"
                    VERBATIM)
else()
  if(NOT SWATH_GIT_DESCRIBE)
    set(SWATH_GIT_DESCRIBE "unknown")
  endif()
  configure_file("${PROJECT_SOURCE_DIR}/lib/core/build_info.hpp.in" "${SWATH_BUILD_INFO}" @ONLY)
  add_custom_target(swath_build_info)
endif()
