dnl sb_ltdl.m4 - libltdl has no pkg-config file: look for its header and library.
AC_DEFUN([SB_CHECK_LTDL], [
  AC_CHECK_HEADER([ltdl.h], [],
    [AC_MSG_ERROR([ltdl.h not found; on Debian: apt-get install libltdl-dev])])
  sb_save_LIBS=$LIBS
  AC_SEARCH_LIBS([lt_dlopenext], [ltdl], [],
    [AC_MSG_ERROR([libltdl not found; on Debian: apt-get install libltdl-dev])])
  LTDL_LIBS=$LIBS
  LIBS=$sb_save_LIBS
  AC_SUBST([LTDL_LIBS])
])
