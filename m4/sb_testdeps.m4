dnl sb_testdeps.m4 - the optional dependencies of the test suite. The build does not need them;
dnl the tests that do report a named TAP skip without them (CI fails on any skip). The same list
dnl is NEEDS in tests/integration/sbtest.py; contrib/install-deps.sh installs all of them.
dnl Sets sb_test_missing to the Debian packages that are missing (empty when none).
AC_DEFUN([SB_CHECK_TEST_DEPS], [
  AC_REQUIRE([SB_CHECK_WEB])
  sb_test_missing=
  dnl module:Debian package
  for sb_pair in mockupdb:python3-mockupdb openpyxl:python3-openpyxl \
      prometheus_client:python3-prometheus-client; do
    sb_mod=`echo "$sb_pair" | cut -d: -f1`
    AC_MSG_CHECKING([for the python module $sb_mod (tests)])
    if "$PYTHON3" -c "import $sb_mod" >/dev/null 2>&1; then
      AC_MSG_RESULT([yes])
    else
      AC_MSG_RESULT([no])
      sb_test_missing="$sb_test_missing `echo "$sb_pair" | cut -d: -f2`"
    fi
  done
  AC_MSG_CHECKING([for the perl module MaxMind::DB::Writer::Tree (tests)])
  if perl -MMaxMind::DB::Writer::Tree -e 1 >/dev/null 2>&1; then
    AC_MSG_RESULT([yes])
  else
    AC_MSG_RESULT([no])
    sb_test_missing="$sb_test_missing libmaxmind-db-writer-perl"
  fi
  AC_PATH_PROG([SB_IP], [ip])
  AC_PATH_PROG([SB_NFT], [nft], [], [$PATH:/usr/sbin:/sbin])
  AC_PATH_PROG([SB_INDEXMAKER], [indexmaker])
  AC_PATH_PROG([SB_OPENSSL], [openssl])
  AC_PATH_PROG([SB_NGINX], [nginx], [], [$PATH:/usr/sbin:/sbin])
  AC_PATH_PROG([SB_CLANG_FORMAT], [clang-format])
  AC_PATH_PROG([SB_GROFF], [groff])
  AC_PATH_PROG([SB_MAN], [man])
  AC_PATH_PROG([SB_SOFFICE], [soffice])
  AC_PATH_PROG([SB_PDFTOTEXT], [pdftotext])
  AC_PATH_PROG([SB_PDFTOPPM], [pdftoppm])
  AC_PATH_PROG([SB_IPERF3], [iperf3])
  test -n "$SB_IP" || sb_test_missing="$sb_test_missing iproute2"
  test -n "$SB_NFT" || sb_test_missing="$sb_test_missing nftables"
  test -n "$SB_INDEXMAKER" || sb_test_missing="$sb_test_missing mrtg"
  test -n "$SB_OPENSSL" || sb_test_missing="$sb_test_missing openssl"
  test -n "$SB_NGINX" || sb_test_missing="$sb_test_missing nginx"
  test -n "$SB_CLANG_FORMAT" || sb_test_missing="$sb_test_missing clang-format"
  test -n "$SB_GROFF" || sb_test_missing="$sb_test_missing groff-base"
  test -n "$SB_MAN" || sb_test_missing="$sb_test_missing man-db"
  test -n "$SB_SOFFICE" || sb_test_missing="$sb_test_missing libreoffice-calc-nogui"
  test -n "$SB_PDFTOTEXT" && test -n "$SB_PDFTOPPM" || sb_test_missing="$sb_test_missing poppler-utils"
  test -n "$SB_IPERF3" || sb_test_missing="$sb_test_missing iperf3"
  test -n "$NODE" || sb_test_missing="$sb_test_missing nodejs"
  test -n "$NPM" || sb_test_missing="$sb_test_missing npm"
  test -n "$CHROMIUM" || sb_test_missing="$sb_test_missing chromium"
  sb_test_missing=`echo $sb_test_missing`
  if test -n "$sb_test_missing"; then
    AC_MSG_WARN([missing for the tests: $sb_test_missing; their checks will be reported as skips (contrib/install-deps.sh installs them)])
  fi
])
