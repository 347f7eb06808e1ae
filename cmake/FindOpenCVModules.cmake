# Finds the OpenCV 4 modules tagforge uses (core, imgproc, imgcodecs) from Debian's per-module
# -dev packages, which ship no CMake config of their own (libopencv-dev would pull in every module).
# Defines the imported targets opencv::core and opencv::opencv (below).
find_path(OpenCVModules_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
set(_tagforge_cv_libs)
foreach(module core imgproc imgcodecs)
  find_library(OpenCVModules_${module}_LIBRARY NAMES opencv_${module})
  list(APPEND _tagforge_cv_libs OpenCVModules_${module}_LIBRARY)
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenCVModules REQUIRED_VARS OpenCVModules_INCLUDE_DIR ${_tagforge_cv_libs}
  REASON_FAILURE_MESSAGE "install libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev (scripts/setup.sh does)")

# opencv::core is core and imgproc, what the program links; opencv::opencv adds
# imgcodecs, which only the codec module (src/media/codec_module.h) and the
# tests and benchmarks link: it brings GDAL and some 120 libraries with it.
if(OpenCVModules_FOUND AND NOT TARGET opencv::opencv)
  add_library(opencv::core INTERFACE IMPORTED)
  set_target_properties(opencv::core PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${OpenCVModules_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "${OpenCVModules_imgproc_LIBRARY};${OpenCVModules_core_LIBRARY}")
  add_library(opencv::opencv INTERFACE IMPORTED)
  set_target_properties(opencv::opencv PROPERTIES
    INTERFACE_LINK_LIBRARIES "${OpenCVModules_imgcodecs_LIBRARY};opencv::core")
endif()
