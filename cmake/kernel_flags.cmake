# Per-translation-unit instruction-set flags for the kernel levels. Kept in one place and
# read by the PGXS Makefile too, so both builds compile each level the same way.
set(VECTORX_FLAGS_SSE2 "-msse2")
set(VECTORX_FLAGS_AVX2 "-mavx2 -mfma -mf16c -mpopcnt")
set(VECTORX_FLAGS_AVX512 "-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx2 -mfma -mf16c -mpopcnt")

function(vectorx_set_kernel_flags)
  foreach(level SSE2 AVX2 AVX512)
    string(TOLOWER ${level} lower)
    separate_arguments(flags UNIX_COMMAND "${VECTORX_FLAGS_${level}}")
    set_source_files_properties(src/core/kernels/${lower}.cpp PROPERTIES COMPILE_OPTIONS "${flags}")
  endforeach()
endfunction()
