# Installs what makes paced a system service: unit, D-Bus policy, sysusers
# and tmpfiles entries, the configuration file, man pages and completion.
# Included from the top CMakeLists.txt.

set(PACED_SYSTEMD_UNIT_DIR "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
    CACHE PATH "Where paced.service goes")
set(PACED_SYSUSERS_DIR "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d" CACHE PATH "sysusers.d directory")
set(PACED_TMPFILES_DIR "${CMAKE_INSTALL_PREFIX}/lib/tmpfiles.d" CACHE PATH "tmpfiles.d directory")
# dbus-daemon reads system policies only from /usr/share and /etc, whatever the prefix.
set(PACED_DBUS_POLICY_DIR "/usr/share/dbus-1/system.d" CACHE PATH "D-Bus system policy directory")
set(PACED_DBUS_SERVICE_DIR "/usr/share/dbus-1/system-services" CACHE PATH
    "D-Bus system bus activation directory")
set(PACED_BASH_COMPLETION_DIR "${CMAKE_INSTALL_FULL_DATADIR}/bash-completion/completions"
    CACHE PATH "bash completion directory")

set(PACED_SBINDIR "${CMAKE_INSTALL_FULL_SBINDIR}")
set(PACED_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(PACED_LIBEXECDIR "${CMAKE_INSTALL_FULL_LIBEXECDIR}")
set(PACED_SYSCONFDIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/paced")
configure_file(${CMAKE_SOURCE_DIR}/systemd/paced.service.in ${CMAKE_BINARY_DIR}/systemd/paced.service
               @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/systemd/paced-sync.service.in
               ${CMAKE_BINARY_DIR}/systemd/paced-sync.service @ONLY)
configure_file(${CMAKE_SOURCE_DIR}/systemd/paced-sync-now.service.in
               ${CMAKE_BINARY_DIR}/systemd/paced-sync-now.service @ONLY)

install(FILES ${CMAKE_BINARY_DIR}/systemd/paced.service DESTINATION ${PACED_SYSTEMD_UNIT_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-dbus.conf DESTINATION ${PACED_DBUS_POLICY_DIR}
        RENAME io.paced.paced1.conf)
# Bus activation: a call to paced's name starts paced.service.
install(FILES ${CMAKE_SOURCE_DIR}/systemd/io.paced.paced1.service
        DESTINATION ${PACED_DBUS_SERVICE_DIR})
# paced-sync (docs/sync.md): its unit, daily timer, bus policy, user.
install(FILES ${CMAKE_BINARY_DIR}/systemd/paced-sync.service
              ${CMAKE_BINARY_DIR}/systemd/paced-sync-now.service
              ${CMAKE_SOURCE_DIR}/systemd/paced-sync.timer
        DESTINATION ${PACED_SYSTEMD_UNIT_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-sync-dbus.conf
        DESTINATION ${PACED_DBUS_POLICY_DIR} RENAME io.paced.sync1.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-sync.sysusers DESTINATION ${PACED_SYSUSERS_DIR}
        RENAME paced-sync.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-sync.tmpfiles DESTINATION ${PACED_TMPFILES_DIR}
        RENAME paced-sync.conf)
install(FILES ${CMAKE_SOURCE_DIR}/docs/paced-sync.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced.sysusers DESTINATION ${PACED_SYSUSERS_DIR}
        RENAME paced.conf)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced.tmpfiles DESTINATION ${PACED_TMPFILES_DIR}
        RENAME paced.conf)
# The documents the man pages refer to (docs/HACKING.md and the design notes
# stay in the source tree).
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/analysis.md
              ${CMAKE_SOURCE_DIR}/docs/dbus-api.md ${CMAKE_SOURCE_DIR}/docs/relay.md
              ${CMAKE_SOURCE_DIR}/docs/sessions.md
              ${CMAKE_SOURCE_DIR}/docs/sync.md ${CMAKE_SOURCE_DIR}/docs/web.md
              ${CMAKE_SOURCE_DIR}/docs/web-phone.png ${CMAKE_SOURCE_DIR}/docs/workouts.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/paced)
# The audio drop-in is documentation until an admin copies it (paced(8)).
install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-audio.conf
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/paced/examples)
install(FILES ${CMAKE_SOURCE_DIR}/docs/paced.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/docs/pacectl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/docs/paced.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CMAKE_SOURCE_DIR}/systemd/pacectl.bash-completion
        DESTINATION ${PACED_BASH_COMPLETION_DIR} RENAME pacectl)

# paced-web: its unit (and optional socket), bus policy, user, man page.
if(TARGET paced-web)
  configure_file(${CMAKE_SOURCE_DIR}/systemd/paced-web.service.in
                 ${CMAKE_BINARY_DIR}/systemd/paced-web.service @ONLY)
  install(FILES ${CMAKE_BINARY_DIR}/systemd/paced-web.service
                ${CMAKE_SOURCE_DIR}/systemd/paced-web.socket DESTINATION ${PACED_SYSTEMD_UNIT_DIR})
  install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-web-dbus.conf
          DESTINATION ${PACED_DBUS_POLICY_DIR} RENAME io.paced.web1.conf)
  install(FILES ${CMAKE_SOURCE_DIR}/systemd/paced-web.sysusers DESTINATION ${PACED_SYSUSERS_DIR}
          RENAME paced-web.conf)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/paced-web.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
endif()

# The configuration files: the shipped defaults go to /usr/share/paced/, and
# each is copied to /etc/paced/ only where that file does not exist yet. An
# admin's paced.conf (the runner's profile, the safety caps) survives every
# re-install; the Debian package ships the same files as conffiles.
set(PACED_CONF_FILES paced.conf sync.conf)
if(TARGET paced-web)
  list(APPEND PACED_CONF_FILES web.conf)
endif()
foreach(f ${PACED_CONF_FILES})
  install(FILES ${CMAKE_SOURCE_DIR}/conf/${f} DESTINATION ${CMAKE_INSTALL_DATADIR}/paced)
endforeach()
install(CODE "set(_paced_conf_files \"${PACED_CONF_FILES}\")
  set(_paced_conf_src \"${CMAKE_SOURCE_DIR}/conf\")
  set(_paced_conf_dir \"${CMAKE_INSTALL_FULL_SYSCONFDIR}/paced\")")
install(CODE [[
  file(MAKE_DIRECTORY "$ENV{DESTDIR}${_paced_conf_dir}")
  foreach(f ${_paced_conf_files})
    set(_dst "$ENV{DESTDIR}${_paced_conf_dir}/${f}")
    if(EXISTS "${_dst}" OR IS_SYMLINK "${_dst}")
      message(STATUS "Keeping: ${_dst} (the default is in share/paced/${f})")
    else()
      message(STATUS "Installing: ${_dst}")
      file(COPY_FILE "${_paced_conf_src}/${f}" "${_dst}")
    endif()
  endforeach()
]])

# On a live system (no DESTDIR, run as root under systemd) create the user and
# directories and tell systemd and dbus about the new files, so that
# "systemctl start paced" is the only step left.
install(CODE [[
  if("$ENV{DESTDIR}" STREQUAL "" AND EXISTS "/run/systemd/system")
    execute_process(COMMAND id -u OUTPUT_VARIABLE _uid OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_uid STREQUAL "0")
      message(STATUS "Creating the paced user and directories, reloading systemd and dbus")
      execute_process(COMMAND systemd-sysusers paced.conf)
      execute_process(COMMAND systemd-sysusers paced-web.conf)
      execute_process(COMMAND systemd-sysusers paced-sync.conf)
      execute_process(COMMAND systemd-tmpfiles --create paced.conf paced-sync.conf)
      execute_process(COMMAND systemctl daemon-reload)
      execute_process(COMMAND systemctl reload dbus.service)
    endif()
  endif()
]])
