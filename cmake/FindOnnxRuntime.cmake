# Finds the ONNX Runtime that scripts/fetch_onnxruntime.sh unpacks (or another build of the same
# C API, e.g. a CUDA one, named by -DTAGFORGE_ORT_DIR=...). Defines the imported target
# onnxruntime::onnxruntime. Only src/infer/ includes its headers.
set(TAGFORGE_ORT_DIR "${CMAKE_SOURCE_DIR}/third_party/onnxruntime" CACHE PATH
    "ONNX Runtime folder with include/onnxruntime_cxx_api.h and lib/libonnxruntime.so")

# A new TAGFORGE_ORT_DIR on a configured build is looked in afresh (find_* cache what they found).
if(NOT "${TAGFORGE_ORT_DIR}" STREQUAL "${_TAGFORGE_ORT_DIR_SEARCHED}")
  unset(OnnxRuntime_INCLUDE_DIR CACHE)
  unset(OnnxRuntime_LIBRARY CACHE)
  set(_TAGFORGE_ORT_DIR_SEARCHED "${TAGFORGE_ORT_DIR}" CACHE INTERNAL "")
endif()
find_path(OnnxRuntime_INCLUDE_DIR onnxruntime_cxx_api.h
          HINTS "${TAGFORGE_ORT_DIR}/include" "${TAGFORGE_ORT_DIR}/include/onnxruntime" NO_DEFAULT_PATH)
find_library(OnnxRuntime_LIBRARY NAMES onnxruntime HINTS "${TAGFORGE_ORT_DIR}/lib" NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OnnxRuntime
  REQUIRED_VARS OnnxRuntime_LIBRARY OnnxRuntime_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "run scripts/fetch_onnxruntime.sh (scripts/setup.sh does), or set TAGFORGE_ORT_DIR")

if(OnnxRuntime_FOUND AND NOT TARGET onnxruntime::onnxruntime)
  add_library(onnxruntime::onnxruntime SHARED IMPORTED)
  set_target_properties(onnxruntime::onnxruntime PROPERTIES
    IMPORTED_LOCATION "${OnnxRuntime_LIBRARY}"
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES "${OnnxRuntime_INCLUDE_DIR}")
endif()
