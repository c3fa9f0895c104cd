# The modules of lib/ and their allowed arrows: the one list that lib/CMakeLists.txt builds targets from and
# cmake/check_layers.cmake (the `layers` test) checks every #include against. Keep docs/architecture.md's map the same.
#
#   swath_module(NAME [FOLDERS sub...] [FACADES header...] [PUBLIC module...] [PRIVATE module...]
#                [PUBLIC_USES package...] [USES package...])
#
# NAME is the folder under lib/ ("scale/k8s" is a module of its own; its parent's sources do not include it).
# PUBLIC: modules the module's headers include (its dependents see them too); PRIVATE: modules only its sources
# include. PUBLIC_USES / USES: the same for third-party packages (gdal, proj, tbb, opencv, hiredis, libdeflate, spdlog,
# fmt, yaml-cpp). FOLDERS: subfolders built into the same target; their headers are private to the subfolder except
# the FACADES. Declare a module after every module it depends on: the order is the layering, bottom first.

# Level 0: errors, files, JSON, text, geo types, hashes. No third-party library.
swath_module(core)

# Level 1: configuration, logging, the pipeline skeleton, GDAL, vectors, provenance, PMTiles archives.
swath_module(config PUBLIC core USES yaml-cpp)
swath_module(log PUBLIC config PRIVATE core PUBLIC_USES spdlog)
swath_module(pipeline PUBLIC config core log PUBLIC_USES tbb)
swath_module(raster PUBLIC config core PRIVATE log PUBLIC_USES gdal tbb USES fmt libdeflate)
swath_module(vector PUBLIC core PRIVATE raster USES gdal)
swath_module(provenance PUBLIC core USES fmt gdal hiredis opencv proj spdlog tbb yaml-cpp)
swath_module(pmtiles PUBLIC core USES gdal)

# Level 2: what the commands do.
swath_module(queue PUBLIC config core PRIVATE log USES hiredis)
swath_module(worker PUBLIC config core log queue PRIVATE raster USES fmt gdal)
swath_module(tiling FOLDERS tiff FACADES tiling/tiff/tile_templates.hpp
             PUBLIC config core pipeline raster PRIVATE log provenance PUBLIC_USES gdal)
swath_module(webmap PUBLIC config core pipeline pmtiles raster tiling PRIVATE log provenance PUBLIC_USES gdal opencv
             USES libdeflate tbb)
swath_module(detect PUBLIC config core pipeline raster vector PRIVATE log provenance tiling PUBLIC_USES gdal
             USES fmt opencv tbb yaml-cpp)
swath_module(eval PUBLIC core PRIVATE detect vector USES fmt)
swath_module(synth PUBLIC core PRIVATE log provenance raster vector USES fmt gdal)
swath_module(scale PUBLIC config core PRIVATE provenance USES fmt)
swath_module(scale/k8s PUBLIC core scale PRIVATE log provenance queue USES fmt yaml-cpp)

# Level 3, the top of lib: every module's options composed into one schema, and the fleet's task kinds.
swath_module(settings PUBLIC config PRIVATE detect log pipeline queue raster scale tiling webmap worker)
swath_module(fleet PUBLIC config core detect log pipeline queue tiling webmap worker PRIVATE raster settings vector)
