-- quincenal.lua - Reporte quincenal BBIP (Data_Quincenal_BBIP.xlsx): días 1 a 15 del mes; --literal: los 15 días hasta ayer.
return require("bbip").run{period = "quincenal", title = "Quincenal", file = "Data_Quincenal_BBIP"}
