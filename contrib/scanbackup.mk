# scanbackup.mk - the old tool's make targets, each calling the scanbackup binary, so that
# `cd $PWDSCANBACKUP && make run` keeps working from cron. The build's Makefile includes it; in a
# deployment root, copy it there as "Makefile" (SCANBACKUP then defaults to the one on PATH).
SCANBACKUP ?= scanbackup
SB_ROOT ?= $(if $(PWDSCANBACKUP),$(PWDSCANBACKUP),$(CURDIR))
SB = "$(SCANBACKUP)" --root "$(SB_ROOT)"

.PHONY: setup run run-dev run-scan run-daily run-base run-updater run-updater-dev setup-files \
	clean-data

# exit status 3 means "done, but some interfaces could not be downloaded": not a reason to stop
setup: setup-files
	$(SB) database start
run:
	$(SB) run
run-dev:
	$(SB) run --dev
run-scan:
	$(SB) scan || [ $$? -eq 3 ]
run-daily:
	$(SB) daily
run-base:
	$(SB) scan || [ $$? -eq 3 ]
	$(SB) daily
run-updater:
	$(SB) updater data --force
	$(SB) updater daily --force
run-updater-dev:
	$(SB) updater data --force --dev
	$(SB) updater daily --force --dev
setup-files:
	$(SB) setup-files
clean-data:
	$(SB) clean-data

# refresh sources/SCAN/<LAYER> from the SCAN portal (the Lua scrapers); old files go to sources/BK_SCAN/
.PHONY: updater-sources updater-sources-dev
updater-sources:
	$(SB) updater sources
updater-sources-dev:
	$(SB) updater sources --dev

# the reports (scripts/reports/<name>.lua) of yesterday's period, into REPORTS_DIR (data/reports)
.PHONY: diario semanal quincenal mensual
diario semanal quincenal mensual:
	$(SB) $@
