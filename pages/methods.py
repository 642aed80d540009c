"""Data and methods: every source and processed table from data/manifest.json, the case
definitions and ICD-10 codes, the suppression, reliability and provisional-data rules, downloads of
every processed table, how to reproduce the build and how to cite."""
from __future__ import annotations

import streamlit as st

from app.data import content, provenance, tables
from app.glue import layout, urlstate
from app.views import methods

st.title("Data and methods")
st.markdown(content.intro("methods"))

try:
    manifest = tables.load_manifest()
except tables.ManifestUnavailable as err:
    st.error(str(err), icon=":material/error:")
    st.stop()

sources = manifest.get("sources", {})
table_entries = manifest["tables"]
facts = methods.build_facts(manifest)
references = content.sources()
text = methods.sections(content.fill(content.read_markdown("methods"),
                                     methods.methods_values(manifest)))
cites = methods.Citations.of(text.values(), references)


def show(markdown: str) -> None:
    st.markdown(cites.link(markdown))


def bullets(lines: list[str]) -> str:
    return "\n".join(f"- {methods.escape_markdown(line)}" for line in lines)


counts = st.columns(3)
counts[0].metric("Sources", len(sources))
counts[1].metric("Processed tables", len(table_entries))
newest = methods.newest_data(manifest)
counts[2].metric("Newest data", newest["period"], help=newest["help"])
st.caption(f"Tables built {facts['built_on']} (code version {facts['code_version']}, manifest "
           f"schema {facts['schema_version']}): a build date, not the data's.")

st.header("How current each source is")
st.caption("Four different things, each labelled: how far the source's data reach (its last "
           "period, final or provisional), when the publisher released this vintage, when this "
           "dashboard's copy was retrieved, and when the processed tables were built. Publisher, "
           "licence and caveats of each source are under \"Source details\" below.")
st.markdown(methods.currency_markdown_table(manifest))
for source_id, info in sources.items():
    lines = methods.vintage_lines(info)
    if lines:
        st.markdown(f"**Releases of {methods.escape_markdown(info.get('title', source_id))}**")
        st.markdown("\n".join(f"- {line}" for line in lines))
        revisions = methods.revision_rows(info)
        if not revisions.empty:
            st.dataframe(revisions, hide_index=True, width="stretch",
                         key=f"revisions_{source_id}")

st.header("Case definitions")
show(text["definitions"])
st.markdown(methods.definitions_markdown(manifest))

st.header("Drug groups and their ICD-10 codes")
st.caption("Multiple-cause codes that identify each drug group on death certificates, as the "
           "publishers define them; groups identified by toxicology say so.")
st.dataframe(methods.drug_group_rows(), hide_index=True, width="stretch", key="drug_groups_table")

st.header("Small numbers and reliability")
show(text["suppression"])

st.header("Provisional data")
show(text["provisional"])

layout.sources_cited(cites)

st.header("Source details, caveats and build warnings")
with st.columns([2, 1])[0]:
    chosen = urlstate.select("Source", ["all", *sources], "all", key="source",
                             format_func=lambda s: "All sources" if s == "all"
                             else sources[s].get("title", s))
    urlstate.show_notices()
    urlstate.copy_link_control()
for source_id, info in sources.items():
    if chosen not in ("all", source_id):
        continue
    with st.container(border=True):
        st.subheader(info.get("title", source_id))
        definitions = "; ".join(provenance.definition_label(d) for d in info.get("definitions", []))
        released = methods.escape_markdown(methods.dated(info.get("released"),
                                                         info.get("released_from")))
        retrieved = methods.escape_markdown(methods.dated(info.get("retrieved"),
                                                          info.get("retrieved_from")))
        st.markdown("\n".join([
            f"- **Publisher:** {methods.escape_markdown(info.get('publisher', ''))}",
            f"- **Link:** <{info['landing_url']}>" if info.get("landing_url")
            else "- **Link:** —",
            f"- **Data cover:** {methods.escape_markdown(methods.coverage_text(info))}",
            f"- **Vintage:** {methods.escape_markdown(info.get('vintage', ''))}",
            f"- **Released by the publisher:** {released}",
            f"- **This copy retrieved:** {retrieved}",
            f"- **Coverage (as the publisher describes it):** "
            f"{methods.escape_markdown(info.get('coverage', ''))}",
            f"- **Case definition:** {methods.escape_markdown(definitions)}",
            f"- **Licence:** {methods.escape_markdown(info.get('license', ''))}",
            f"- **Tables:** {', '.join(f'`{t}`' for t in info.get('tables', []))}",
        ]))
        st.markdown("**Citation**")
        st.code(methods.source_citation(source_id, manifest), language=None, wrap_lines=True)
        st.markdown("**Caveats**")
        st.markdown(bullets(info.get("caveats", [])) or "None recorded.")
        st.markdown("**Build warnings**")
        st.markdown(bullets(info.get("warnings", [])) or "None: the build raised no warnings "
                    "for this source.")
        st.markdown("**Raw files**")
        st.dataframe(methods.raw_file_rows(info), hide_index=True, width="stretch",
                     column_order=["File", "Bytes", "URL", "SHA-256", "Matches tested vintage"],
                     column_config={"URL": st.column_config.LinkColumn("URL", width="medium"),
                                    "File": st.column_config.TextColumn("File", width="large"),
                                    "Bytes": st.column_config.NumberColumn("Bytes", format="%d")},
                     key=f"raw_files_{source_id}")

st.header("Processed tables and downloads")
st.caption(f"Built {facts['built_at']} from code version {facts['code_version']} (manifest "
           f"schema {facts['schema_version']}). Each file is listed with its SHA-256 checksum.")
st.dataframe(methods.table_rows(manifest), hide_index=True, width="stretch",
             column_order=["Table", "Rows", "Suppressed cells", "File", "SHA-256", "Title",
                           "Source", "Description"],
             key="tables_table")
for name, info in table_entries.items():
    label, csv_button, parquet_button = st.columns([4, 1, 1], vertical_alignment="center")
    label.markdown(f"**`{name}`** — {methods.escape_markdown(info.get('title', ''))}")
    try:
        path = methods.processed_file(name)
    except tables.TableUnavailable as err:
        label.error(str(err), icon=":material/error:")
        continue
    csv_button.download_button(
        "CSV", data=lambda path=path: methods.csv_bytes(path), file_name=f"{name}.csv",
        mime="text/csv", key=f"download_csv_{name}", on_click="ignore",
        icon=":material/download:", help=f"All rows of {name} as CSV")
    parquet_button.download_button(
        "Parquet", data=lambda path=path: methods.file_bytes(path),
        file_name=f"{name}.parquet", mime="application/vnd.apache.parquet",
        key=f"download_parquet_{name}", on_click="ignore", icon=":material/download:",
        help=f"The processed file of {name} (Parquet)")

st.header("How to reproduce")
st.code("python -m pip install -r requirements.txt\n"
        "python -m etl build     # parse, validate and write data/ from the raw files\n"
        "python -m etl check     # verify data/ against manifest.json and the schemas\n"
        "python -m pytest        # run the tests\n"
        "python -m streamlit run dashboard.py", language="bash")
st.caption("`python -m etl build` reads the publishers' files from ../shared/data/raw (or "
           "`--raw-dir DIR`); `python -m etl fetch --raw-dir DIR` downloads them again.")

st.header("How to cite")
st.markdown("**This dashboard**")
st.code(methods.dashboard_citation(manifest, url=st.context.url), language=None,
        wrap_lines=True)
st.caption("The access date is today's; use the date you consulted the dashboard.")
st.markdown("**The data sources**")
for source_id in sources:
    st.code(methods.source_citation(source_id, manifest), language=None, wrap_lines=True)
