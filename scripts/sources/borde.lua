-- borde.lua - sources/SCAN/BORDE from the SCAN portal: CISCO, HUAWEI and JUNIPER edge links.
--
-- Each vendor page lists its interfaces in ul.list-group blocks: the title in li#subtitulo, the
-- graph page in li#graficas > a. On HUAWEI and JUNIPER pages the first block is a header.
-- Capacity: HUAWEI "100GE" / JUNIPER "100GB" in the name, else (and always for CISCO) rule G on
-- the interface's graph page. Rules: docs/portal.md; helpers: lib/portal.lua.

local portal = require("portal")

-- A vendor's scraper. token: the capacity word of the name ("GE"), nil for rule G only.
local function vendor(type_, prefix, skip_header, token)
	return function(url)
		local doc = portal.fetch(url)
		local rows, by_graph = {}, {}
		for i, block in ipairs(portal.all(doc, "ul.list-group", url)) do
			if not (skip_header and i == 1) then
				local r = portal.block_row(block, url, prefix, "TRAFICO DE RED", type_)
				if r then
					r.capacity = token and portal.capacity_before(r.name, token) or 0
					if r.capacity == 0 then
						by_graph[#by_graph + 1] = r
					end
					rows[#rows + 1] = r
				end
			end
		end
		portal.capacity_from_graphs(by_graph, portal.rule_g)
		return rows
	end
end

return portal.run({
	layer = "BORDE",
	vendors = {
		{ name = "CISCO", setting = "SCAN_URL_BORDE_CISCO",
		  scrape = vendor("CISCO", "ROUTER", false, nil) },
		{ name = "HUAWEI", setting = "SCAN_URL_BORDE_HUAWEI",
		  scrape = vendor("HUAWEI", "ENLACE INTERNACIONAL", true, "GE") },
		{ name = "JUNIPER", setting = "SCAN_URL_BORDE_JUNIPER",
		  scrape = vendor("JUNIPER", "ENLACE INTERNACIONAL", true, "GB") },
	},
})
