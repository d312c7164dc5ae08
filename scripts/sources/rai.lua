-- rai.lua - sources/SCAN/RAI from the SCAN portal: HUAWEI and ZTE links.
--
-- Each vendor page has one div.col-sm-12 per interface in section#features > div.container >
-- div.row, with the title in li#subtitulo and the graph page in li#graficas > a. Capacity: rule
-- G' on the graph page's capacity text ("Capacidad: 1500 Mb" -> 1.5; 2..10 -> 10; x5..x9 -> next
-- ten), else 0. Rules: docs/portal.md; helpers: lib/portal.lua.

local portal = require("portal")

local function vendor(type_)
	return function(url)
		local doc = portal.fetch(url)
		local row = portal.find(doc, { "section#features", "div.container", "div.row" }, url)
		local rows = {}
		for _, block in ipairs(portal.all(row, "div.col-sm-12", url)) do
			local r = portal.block_row(block, url, "ROUTER", "TRAFICO", type_)
			if r then
				rows[#rows + 1] = r
			end
		end
		portal.capacity_from_graphs(rows, portal.rule_g_prime)
		return rows
	end
end

return portal.run({
	layer = "RAI",
	vendors = {
		{ name = "HUAWEI", setting = "SCAN_URL_RAI_HUAWEI", scrape = vendor("HUAWEI") },
		{ name = "ZTE", setting = "SCAN_URL_RAI_ZTE", scrape = vendor("ZTE") },
	},
})
