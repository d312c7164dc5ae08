-- diario.lua - Reporte diario BBIP (Data_Diario_BBIP.xlsx): el día --date (por defecto ayer).
return require("bbip").run{period = "diario", title = "Diario", file = "Data_Diario_BBIP"}
