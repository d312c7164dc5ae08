dnl sb_web.m4 - the dashboard's build tools (node, npm) and the browser its end-to-end test drives.
AC_DEFUN([SB_CHECK_WEB], [
  AC_ARG_ENABLE([web],
    [AS_HELP_STRING([--disable-web], [do not build the dashboard's files (they need node and npm)])],
    [], [enable_web=auto])
  AC_PATH_PROG([NODE], [node])
  AC_PATH_PROG([NPM], [npm])
  AC_PATH_PROGS([CHROMIUM], [chromium chromium-browser])
  have_web=no
  if test "x$enable_web" != xno; then
    if test -n "$NODE" && test -n "$NPM"; then
      have_web=yes
    elif test "x$enable_web" = xyes; then
      AC_MSG_ERROR([--enable-web needs node and npm; on Debian: apt-get install nodejs npm])
    fi
  fi
  AM_CONDITIONAL([WEB], [test "x$have_web" = xyes])
])
