# A two-module tree with back edges, for the test that the `layers` check catches them (tests/CMakeLists.txt).
swath_module(low)
swath_module(high PUBLIC low)
