"""The Streamlit glue: the only part of app/ that imports Streamlit (besides dashboard.py and
pages/). It draws what the pure parts compute: chart blocks with their details and downloads
(`blocks`), rows of cards, tabs and captions (`layout`), controls bound to the page address
(`urlstate`), the explorer's dependent controls (`explorer_controls`), headline numbers and
slide charts from the loaded tables (`headlines`, `slides`), presenter mode's keys, rooms and
full-screen style (`presenter`), which page a request asks for (`navigation`), the start-up
`warmup`, the static tier built by running the pages (`static_site`, recording through
`capture`), "Embed this chart" (`embed`) and the downloadable offline deck (`offline_deck`).
Everything it computes from the data goes through the one cache (`cache`).

May import: streamlit and every part of app/ (tests/test_architecture.py).
"""
from app.glue import navigation

# Every page imports the glue before it draws anything: the first deep link after a server start
# is switched to st.navigation here (see navigation.leave_legacy_page_mode).
navigation.leave_legacy_page_mode()
