-- mensual.lua - Reporte mensual BBIP (Data_Mensual_BBIP.xlsx): del día 1 del mes hasta ayer; --literal: los 30 días hasta ayer.
return require("bbip").run{period = "mensual", title = "Mensual", file = "Data_Mensual_BBIP"}
