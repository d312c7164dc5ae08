dnl sb_deps.m4 - the libraries scanbackup links with; each failure names the Debian package.
AC_DEFUN([SB_PKG], [
  PKG_CHECK_MODULES([$1], [$2], [],
    [AC_MSG_ERROR([$2 not found by pkg-config; on Debian: apt-get install $3])])
])

AC_DEFUN([SB_CHECK_DEPS], [
  SB_PKG([CURL], [libcurl >= 7.68], [libcurl4-openssl-dev])
  SB_PKG([MONGOC], [libmongoc-1.0 >= 1.17], [libmongoc-dev])
  SB_PKG([BSON], [libbson-1.0 >= 1.17], [libbson-dev])
  SB_PKG([XLSXWRITER], [xlsxwriter], [libxlsxwriter-dev])
  SB_PKG([LUA], [lua5.4], [liblua5.4-dev])
  SB_PKG([SQLITE], [sqlite3 >= 3.24], [libsqlite3-dev])
  SB_PKG([LIBXML], [libxml-2.0], [libxml2-dev])
  SB_PKG([MHD], [libmicrohttpd >= 0.9.71], [libmicrohttpd-dev])
  SB_PKG([SODIUM], [libsodium >= 1.0.16], [libsodium-dev])
  SB_PKG([ZLIB], [zlib], [zlib1g-dev])
  SB_PKG([MAXMINDDB], [libmaxminddb >= 1.3], [libmaxminddb-dev])
  SB_CHECK_LTDL
  SB_CHECK_IPERF
])
