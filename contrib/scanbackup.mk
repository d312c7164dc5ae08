# scanbackup.mk - the old tool's make targets, each calling the scanbackup binary, so that
# `cd $PWDSCANBACKUP && make run` keeps working from cron. The build's Makefile includes it; in a
# deployment root, copy it there as "Makefile" (SCANBACKUP then defaults to the one on PATH).
SCANBACKUP ?= scanbackup
SB_ROOT ?= $(if $(PWDSCANBACKUP),$(PWDSCANBACKUP),$(CURDIR))
SB = "$(SCANBACKUP)" --root "$(SB_ROOT)"
# From cron nobody answers a question: YES=1 passes --yes to the targets that ask on a terminal
# (clean-data); DATE=YYYY-MM-DD gives the day to those that take one (default: yesterday).
SB_YES = $(if $(filter 1 yes true,$(YES)),--yes)
SB_DATE = $(if $(DATE),--date "$(DATE)")

.PHONY: setup run run-dev run-scan run-daily run-base run-updater run-updater-dev setup-files \
	clean-data

# exit status 3 means "done, but some interfaces could not be downloaded": not a reason to stop;
# 4 (nothing collected: a day outside SCAN's window) is
setup: setup-files
	$(SB) database start
run:
	$(SB) run $(SB_DATE)
run-dev:
	$(SB) run --dev $(SB_DATE)
run-scan:
	$(SB) scan $(SB_DATE) || [ $$? -eq 3 ]
run-daily:
	$(SB) daily $(SB_DATE)
run-base:
	$(SB) scan $(SB_DATE) || [ $$? -eq 3 ]
	$(SB) daily $(SB_DATE)
run-updater:
	$(SB) updater data --force
	$(SB) updater daily --force
run-updater-dev:
	$(SB) updater data --force --dev
	$(SB) updater daily --force --dev
setup-files:
	$(SB) setup-files
clean-data:
	$(SB) clean-data $(SB_YES)

# refresh sources/SCAN/<LAYER> from the SCAN portal (the Lua scrapers); old files go to sources/BK_SCAN/
.PHONY: updater-sources updater-sources-dev
updater-sources:
	$(SB) updater sources
updater-sources-dev:
	$(SB) updater sources --dev

# the reports (scripts/reports/<name>.lua) of yesterday's period (or DATE's), into REPORTS_DIR
# (data/reports); quincenal-segunda: days 16 to the month's end (run it on the 1st)
.PHONY: diario semanal quincenal quincenal-segunda mensual
diario semanal quincenal mensual:
	$(SB) $@ $(SB_DATE)
quincenal-segunda:
	$(SB) quincenal --segunda $(SB_DATE)
