# Writes a C string literal with the SHA-256 of the codegen sources: part of
# the kernel cache key, so any change to a translation or a schedule
# invalidates the cached kernel objects.
set(all "")
foreach(f ${SOURCES})
  file(SHA256 ${f} h)
  string(APPEND all "${h}")
endforeach()
string(SHA256 total "${all}")
set(text "\"${total}\"\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT "${old}" STREQUAL "${text}")
  file(WRITE ${OUT} "${text}")
endif()
