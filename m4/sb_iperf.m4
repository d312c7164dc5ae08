dnl sb_iperf.m4 - libiperf (the iperf3 probe module) has no pkg-config file on Debian: look for its
dnl header and library.
AC_DEFUN([SB_CHECK_IPERF], [
  AC_CHECK_HEADER([iperf_api.h], [],
    [AC_MSG_ERROR([iperf_api.h not found; on Debian: apt-get install libiperf-dev])])
  sb_save_LIBS=$LIBS
  AC_SEARCH_LIBS([iperf_run_client], [iperf], [],
    [AC_MSG_ERROR([libiperf not found; on Debian: apt-get install libiperf-dev])])
  IPERF_LIBS=$LIBS
  LIBS=$sb_save_LIBS
  AC_SUBST([IPERF_LIBS])
])
