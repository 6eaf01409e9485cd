"""UN/CEFACT SPS certificate XML: the lossless tree, the structured data and hostile input.

The real ePhyto example (MIT test data from Mattilsynet/ephyto-api) is read from the shared
conformance folder, never copied into the project.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from openciq.declarations import sps
from openciq.declarations.sps import (
    Address,
    Attachment,
    CertificateData,
    Classification,
    Clause,
    Consignment,
    Country,
    Location,
    Measure,
    Note,
    Package,
    Party,
    Period,
    Process,
    ProcessCharacteristic,
    ReferencedDocument,
    Signatory,
    SpsError,
    SubDivision,
    Text,
    TradeLineItem,
    TransportEquipment,
    TransportMovement,
)

SPS_DIR = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "sps"
EXAMPLE = SPS_DIR / "SPSCertificateContent.xml"
ROOT_OPEN = f'<rsm:SPSCertificate xmlns:rsm="{sps.RSM_NS}" xmlns:ram="{sps.RAM_NS}" xmlns:udt="{sps.UDT_NS}">'
CONSIGNOR_ZH = "广州市绿源蔬菜出口有限公司"


@pytest.fixture(scope="module")
def example() -> bytes:
    if not SPS_DIR.is_dir():
        pytest.skip(
            "../shared/conformance/sps is absent: the ePhyto example (MIT test data) is read from "
            "there and is not part of this repository"
        )
    return EXAMPLE.read_bytes()


def _names(element: Any) -> list[str]:
    return [etree.QName(child).localname for child in element if isinstance(child.tag, str)]


def _written(data: CertificateData) -> Any:
    return etree.fromstring(sps.certificate_to_xml(data))


def _find(element: Any, path: str) -> Any:
    found = element.find(path, namespaces=sps.PREFIXES)
    assert found is not None, path
    return found


def _rich_certificate() -> CertificateData:
    zh = "zh"
    item = TradeLineItem(
        sequence="1",
        descriptions=(Text("新鲜西兰花 Fresh broccoli", zh), Text("Fresh broccoli,\n  trimmed", "en")),
        common_names=(Text("西兰花", zh),),
        scientific_names=(Text("Brassica oleracea var. italica"),),
        production_batch_ids=("LOT-2026-001", "LOT-2026-002"),
        intended_uses=(Text("消费", zh),),
        net_weight=Measure("12000", "KGM"),
        gross_weight=Measure("12650.5", "KGM"),
        net_volume=Measure("30", "MTQ"),
        gross_volume=Measure("33", "MTQ"),
        notes=(Note("DMTLIL", "批次 2026-001", zh), Note("OQV", "1200")),
        classifications=(
            Classification(system_name="HS", class_code="07041000", class_names=(Text("花椰菜", zh),)),
            Classification(system_name="IPPCPCC", class_names=(Text("Fresh", "en"),)),
        ),
        packages=(Package("1", "CT", "1200", "H87"), Package("2", "PX", "20")),
        origin_countries=(
            Country("CN", "中国", (SubDivision("CN-GD", "广东省", "1"), SubDivision(None, "广州市", "2"))),
        ),
        processes=(
            Process(
                type_code="ZZZ",
                completion=Period("2026-03-01", "2026-03-02", Measure("24", "HUR")),
                characteristics=(
                    ProcessCharacteristic(descriptions=(Text("TTTM"),), value=Measure("1.5", "CEL")),
                    ProcessCharacteristic(descriptions=(Text("TTAI"), Text("冷处理", zh))),
                ),
                notes=(Note("DMTLIL", "冷库 3 号"),),
            ),
        ),
    )
    consignment = Consignment(
        id="CONS-1",
        consignor=Party(
            id="91440101MA5XXXXX1",
            name=CONSIGNOR_ZH,
            type_code="91440101MA5XXXXX1",
            type_code_list_name="UnifiedSocialCreditCode",
            address=Address("510000", "白云区太和镇 88 号", "Building 2", None, "广州", "CN"),
            person_name="李明",
        ),
        consignee=Party(
            name="Fresh Imports BV", address=Address(line_one="Havenweg 1", city_name="Rotterdam")
        ),
        export_country=Country("CN", "中国"),
        re_export_countries=(Country("HK"),),
        loading_base_port=Location("CNHUA", "UN/LOCODE", "黄埔"),
        import_country=Country("NL", "Netherlands"),
        transit_countries=(Country("SG"), Country("EG", "Egypt")),
        unloading_base_port=Location("NLRTM", "UN/LOCODE", "Rotterdam"),
        examination_location_name="黄埔海关查验场",
        main_carriage_movements=(
            TransportMovement("V.026E", "1", "Maritime transport", Text("COSCO 星河号", zh)),
            TransportMovement(mode_code="3"),
        ),
        transport_equipment=(TransportEquipment("COSU1234567", ("SEAL-1", "SEAL-2")),),
        trade_line_items=(item, TradeLineItem(sequence="2", descriptions=(Text("菜心", zh),))),
    )
    return CertificateData(
        name="植物检疫证书 Phytosanitary Certificate",
        id="GZ2026EC000001",
        type_code="851",
        status_code="70",
        issue_datetime="2026-03-02T10:15:00+08:00",
        issuer_name="中华人民共和国广州海关",
        notes=(Note("ADEDL", "经检疫未发现检疫性有害生物", zh), Note("SPSFL", "1")),
        referenced_documents=(
            ReferencedDocument(
                issue_datetime="2026-03-01",
                type_code="916",
                relationship_type_code="ZZZ",
                id="LAB-7",
                attachments=(
                    Attachment("报告.pdf", base64.b64encode(b"%PDF-1.7 x").decode(), "application/pdf"),
                ),
                information=Text("实验室报告", zh),
            ),
        ),
        signatory=Signatory(
            actual_datetime="2026-03-02T10:20:00+08:00",
            issue_location=Location("CNGZG", None, "广州"),
            provider=Party(name="广州海关", person_name="王芳"),
            clauses=(Clause("1", "兹证明……", zh), Clause("2")),
        ),
        consignment=consignment,
    )


# --- The lossless tree ------------------------------------------------------------------------


def test_parse_tree_of_the_real_example_survives_writing_and_reading_again(example: bytes) -> None:
    tree = sps.parse_tree(example)

    assert sps.parse_tree(sps.tree_to_xml(tree)) == tree


def test_parse_tree_keeps_every_element_attribute_and_text_of_the_real_example_at_its_path(
    example: bytes,
) -> None:
    original = etree.fromstring(example, etree.XMLParser(resolve_entities=False, no_network=True))
    counts = {"xml": [0, 0, 0], "tree": [0, 0, 0]}

    def walk(element: Any, node: dict[str, Any], path: str) -> None:
        name = etree.QName(element)
        assert node["name"] == name.localname, path
        assert sps.PREFIXES.get(node["ns"], node["ns"]) == name.namespace, path
        assert node["attrs"] == dict(element.attrib), path
        if element.text is not None and element.text.strip():
            assert node["text"] == element.text, path
        children = [child for child in element if isinstance(child.tag, str)]
        assert len(node["children"]) == len(children), path
        for index, (child, child_node) in enumerate(zip(children, node["children"], strict=True)):
            walk(child, child_node, f"{path}/{etree.QName(child).localname}[{index}]")

    def count_tree(node: dict[str, Any]) -> None:
        counts["tree"][0] += 1
        counts["tree"][1] += len(node["attrs"])
        counts["tree"][2] += bool(node["text"] and node["text"].strip())
        for child in node["children"]:
            count_tree(child)

    tree = sps.parse_tree(example)
    walk(original, tree, "/SPSCertificate")
    for element in original.iter(etree.Element):
        counts["xml"][0] += 1
        counts["xml"][1] += len(element.attrib)
        counts["xml"][2] += bool(element.text and element.text.strip())
    count_tree(tree)

    assert counts["tree"] == counts["xml"] == [296, 45, 182]  # elements, attributes, non-blank texts


def test_parse_tree_names_namespaces_by_conventional_prefix_and_keeps_multiline_text(example: bytes) -> None:
    tree = sps.parse_tree(example)
    consignment = tree["children"][1]
    item = consignment["children"][-1]["children"][0]
    description = item["children"][1]

    assert (tree["ns"], tree["name"]) == ("rsm", "SPSCertificate")
    assert (consignment["ns"], consignment["name"]) == ("rsm", "SPSConsignment")
    assert (description["ns"], description["name"]) == ("ram", "Description")
    assert description["attrs"] == {"languageID": "en"}
    assert description["text"].startswith(
        "LIVE TREES AND OTHER PLANTS; BULBS, ROOTS AND THE LIKE; CUT FLOWERS AND\n"
    )
    assert description["text"].endswith("Trees, shrubs and bushes\n                ")
    date_time = tree["children"][0]["children"][4]["children"][0]
    assert date_time == {
        "ns": "udt",
        "name": "DateTimeString",
        "attrs": {},
        "text": "2016-04-22T13:53:08-03:00",
        "children": [],
    }


def test_parse_tree_is_json_serialisable(example: bytes) -> None:
    tree = sps.parse_tree(example)

    assert json.loads(json.dumps(tree, ensure_ascii=False)) == tree


def test_parse_tree_keeps_foreign_namespaces_namespaced_attributes_and_mixed_content() -> None:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>{ROOT_OPEN[:-1]} xmlns:x="urn:example:extension">'
        '<rsm:SPSExchangedDocument><ram:ID xml:lang="zh" x:flag="1" schemeID="s">A&amp;B 证书</ram:ID>'
        "<x:Extension>lead<x:Inner/>tail text<!-- dropped --></x:Extension><ram:Name>  </ram:Name>"
        "</rsm:SPSExchangedDocument></rsm:SPSCertificate>"
    ).encode()

    tree = sps.parse_tree(xml)
    document_id, extension, name = tree["children"][0]["children"]

    assert document_id == {
        "ns": "ram",
        "name": "ID",
        "attrs": {"xml:lang": "zh", "{urn:example:extension}flag": "1", "schemeID": "s"},
        "text": "A&B 证书",
        "children": [],
    }
    assert (extension["ns"], extension["text"]) == ("urn:example:extension", "lead")
    assert extension["children"] == [
        {
            "ns": "urn:example:extension",
            "name": "Inner",
            "attrs": {},
            "text": None,
            "children": [],
            "tail": "tail text",
        }
    ]
    assert name["text"] == "  "
    assert sps.parse_tree(sps.tree_to_xml(tree)) == tree


def test_tree_to_xml_writes_utf8_with_declaration_and_rsm_ram_udt_prefixes(example: bytes) -> None:
    xml = sps.tree_to_xml(sps.parse_tree(example))

    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<rsm:SPSCertificate ")
    assert f'xmlns:ram="{sps.RAM_NS}"'.encode() in xml
    assert f'xmlns:udt="{sps.UDT_NS}"'.encode() in xml
    assert b"<ram:LineOne>El tr\xc3\xa9bol 853</ram:LineOne>" in xml
    assert b"ns0:" not in xml and b"ns1:" not in xml


def test_tree_to_xml_refuses_a_tree_that_is_not_a_certificate_or_not_a_tree() -> None:
    with pytest.raises(SpsError, match="not rsm:SPSCertificate"):
        sps.tree_to_xml({"ns": "ram", "name": "ID", "attrs": {}, "text": "1", "children": []})
    with pytest.raises(SpsError, match="is not an element node"):
        sps.tree_to_xml({"ns": "rsm", "name": "SPSCertificate", "attrs": {}, "text": None, "children": ["x"]})
    with pytest.raises(SpsError, match="cannot write /rsm:SPSCertificate/ram:ID"):
        bad = {"ns": "ram", "name": "ID", "attrs": {}, "text": "bell \x07", "children": []}
        sps.tree_to_xml({"ns": "rsm", "name": "SPSCertificate", "attrs": {}, "text": None, "children": [bad]})


# --- Hostile and wrong input ------------------------------------------------------------------


def test_parse_tree_refuses_bytes_that_are_not_xml_and_says_where() -> None:
    with pytest.raises(SpsError, match=r"^malformed XML at line 1: Start tag expected"):
        sps.parse_tree(b"%PDF-1.7 this is not XML")
    with pytest.raises(SpsError, match=r"^malformed XML at line 3: Opening and ending tag mismatch"):
        sps.parse_tree(f"{ROOT_OPEN}\n<ram:ID>\n</ram:Name>".encode())
    with pytest.raises(SpsError, match=r"^malformed XML at line 1: Document is empty"):
        sps.certificate_from_xml(b"")


def test_parse_tree_refuses_text_instead_of_bytes() -> None:
    with pytest.raises(TypeError, match="not str"):
        sps.parse_tree("<rsm:SPSCertificate/>")  # type: ignore[arg-type]


def test_parse_tree_refuses_a_document_whose_root_is_not_an_sps_certificate_and_names_it() -> None:
    with pytest.raises(SpsError, match=r"root element is \{urn:example:invoice\}Invoice, expected"):
        sps.parse_tree(b'<Invoice xmlns="urn:example:invoice"/>')
    with pytest.raises(SpsError, match=r"root element is SPSCertificate, expected"):
        sps.parse_tree(b"<SPSCertificate/>")
    older = b'<SPSCertificate xmlns="urn:un:unece:uncefact:data:standard:SPSCertificate:16"/>'
    with pytest.raises(SpsError, match=r"SPSCertificate:16\}SPSCertificate"):
        sps.certificate_from_xml(older)


def test_parse_tree_refuses_external_entities_without_reading_the_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-7f3c-secret-content")
    for target in (secret, Path("/etc/hostname")):
        xml = (
            f'<?xml version="1.0"?>\n<!DOCTYPE rsm:SPSCertificate [<!ENTITY leak SYSTEM "file://{target}">]>\n'
            f"{ROOT_OPEN}<rsm:SPSExchangedDocument><ram:ID>&leak;</ram:ID></rsm:SPSExchangedDocument>"
            "</rsm:SPSCertificate>"
        ).encode()
        for read in (sps.parse_tree, sps.certificate_from_xml):
            with pytest.raises(SpsError) as refused:
                read(xml)
            # A fixed message: nothing of the referenced file (a secret, /etc/hostname) can be in it.
            assert str(refused.value) == (
                "the document has a DOCTYPE declaration; SPS certificates must not declare a DTD"
            )


@pytest.mark.parametrize(
    ("levels", "refusal"),
    [
        (2, "DOCTYPE declaration"),
        (7, "malformed XML at line 1: Maximum entity amplification factor exceeded"),
    ],
)
def test_parse_tree_refuses_entity_expansion_bombs_small_and_large(levels: int, refusal: str) -> None:
    entities = "".join(f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, levels + 1))
    xml = (
        f'<!DOCTYPE rsm:SPSCertificate [<!ENTITY e0 "boom">{entities}]>'
        f"{ROOT_OPEN}<rsm:SPSExchangedDocument><ram:ID>&e{levels};</ram:ID></rsm:SPSExchangedDocument>"
        "</rsm:SPSCertificate>"
    ).encode()

    with pytest.raises(SpsError, match=refusal) as refused:
        sps.parse_tree(xml)
    assert "boomboom" not in str(refused.value)


def test_certificate_from_xml_refuses_a_certificate_without_consignment() -> None:
    xml = f"{ROOT_OPEN}<rsm:SPSExchangedDocument/></rsm:SPSCertificate>".encode()

    with pytest.raises(SpsError, match="has no rsm:SPSConsignment"):
        sps.certificate_from_xml(xml)


# --- Structured data --------------------------------------------------------------------------


def test_certificate_from_xml_reads_what_the_real_example_certifies(example: bytes) -> None:
    data = sps.certificate_from_xml(example)
    consignment = data.consignment
    first, second = consignment.trade_line_items
    characteristics = first.processes[0].characteristics
    pdf = data.referenced_documents[0].attachments[0]

    assert (data.id, data.type_code, data.status_code) == ("123ABC", "851", "70")
    assert data.issue_datetime == "2016-04-22T13:53:08-03:00"
    assert data.issuer_name == "Servicio Nacional de Sanidad y Calida Agroalimentaria"
    assert len(data.notes) == 12
    assert data.notes[2] == Note(
        "ADEDL", "The shipment was inspected and found free of Trogoderma variable.", "nn"
    )
    assert data.signatory == Signatory(
        issue_location=Location(name="La Plata, Buenos Aires"),
        provider=Party(person_name="Miguel Perrerra"),
        clauses=(Clause("1"),),
    )
    assert consignment.consignor == Party(
        name="Juan Perez",
        type_code="98543210",
        type_code_list_name="NationalRegistrationNumber",
        address=Address(line_one="El trébol 853", line_two="Brandsen, Buenos Aires, Argentina"),
    )
    assert consignment.consignee is not None and consignment.consignee.name == "Importer SA"
    assert consignment.export_country == Country("AR")
    assert consignment.import_country == Country("EC")
    assert consignment.transit_countries == (Country("US"),)
    assert consignment.unloading_base_port == Location("USSEA", "ISO_3166-1_alpha-2", "Guayaquil (Seattle)")
    assert consignment.transport_equipment == (TransportEquipment(seal_ids=("G2382564",)),)
    assert consignment.main_carriage_movements == (
        TransportMovement(mode_code="3", mode_name="Road transport"),
        TransportMovement("Voyage N° 18", "1", None, Text("Ocean Vessel: Black Pearl", "en")),
    )
    assert (first.sequence, second.sequence) == ("0", "1")
    assert [d.language for d in first.descriptions] == ["en", "nn"]
    assert first.intended_uses == (Text("Planting", "en"),)
    assert (first.net_weight, first.gross_volume) == (Measure("10", "KGM"), Measure("50", "MTQ"))
    assert first.classifications[0] == Classification(system_name="HS", class_code="06029048")
    assert first.classifications[1].class_names == (Text("Seeds", "en"),)
    assert first.packages == (Package("1", "BG", "100.0000"), Package("2", "BX", "20.0000"))
    assert first.origin_countries[0] == Country(
        "AR", None, (SubDivision(None, "Valles de la RegiónPatagónica", "0"),)
    )
    assert len(first.notes) == 18 and second.notes[0] == Note("OPTND", "100 Bags of 20 Cardboard Boxes")
    assert (
        ProcessCharacteristic(descriptions=(Text("TTTM"),), value=Measure("32.0000", "CEL"))
        in characteristics
    )
    assert [c.descriptions[0].value for c in characteristics] == [
        "TTFT",
        "TTCH",
        "TTCH",
        "TTCO",
        "TTTM",
        "TTL1",
        "TTL2",
        "TTAI",
    ]
    assert first.processes[0].completion == Period("2016-04-12", "2016-04-12", Measure("3.0000", "HUR"))
    assert first.processes[0].notes == (Note("DMTLIL", "Lot number 8888"),)
    assert second.processes == (Process("ZZZ"),)
    assert [doc.attachments[0].filename for doc in data.referenced_documents] == [
        "TestPdf.pdf",
        "US-F-12345-13467-7N.png",
        "TestJpeg.jpeg",
        "TestGif.gif",
        "TestIngenFiltypeINavn",
        "UkjentFiltype",
    ]
    assert pdf.content is not None and base64.b64decode(pdf.content).startswith(b"%PDF")
    assert data.referenced_documents[0].information == Text("PDF of Authority", "en")


def test_certificate_data_of_the_real_example_survives_writing_and_reading_again(example: bytes) -> None:
    data = sps.certificate_from_xml(example)

    assert sps.certificate_from_xml(sps.certificate_to_xml(data)) == data


def test_rich_certificate_with_chinese_text_survives_writing_and_reading_again() -> None:
    data = _rich_certificate()

    xml = sps.certificate_to_xml(data)

    assert sps.certificate_from_xml(xml) == data
    assert CONSIGNOR_ZH.encode() in xml  # raw UTF-8, not character references
    assert b'<ram:Content languageID="zh">' in xml


def test_certificate_to_xml_writes_children_in_schema_order_not_in_the_example_order(example: bytes) -> None:
    written = _written(sps.certificate_from_xml(example))
    document = _find(written, "rsm:SPSExchangedDocument")
    consignment = _find(written, "rsm:SPSConsignment")

    assert _names(document)[-2:] == ["ReferenceSPSReferencedDocument", "SignatorySPSAuthentication"]
    assert _names(consignment) == [
        "ConsignorSPSParty",
        "ConsigneeSPSParty",
        "ExportSPSCountry",
        "ImportSPSCountry",
        "TransitSPSCountry",
        "UnloadingBaseportSPSLocation",
        "ExaminationSPSEvent",
        "MainCarriageSPSTransportMovement",
        "MainCarriageSPSTransportMovement",
        "UtilizedSPSTransportEquipment",
        "IncludedSPSConsignmentItem",
    ]
    assert _names(_find(document, "ram:ReferenceSPSReferencedDocument")) == [
        "IssueDateTime",
        "RelationshipTypeCode",
        "ID",
        "AttachmentBinaryObject",
        "Information",
    ]
    assert _names(consignment.findall("ram:MainCarriageSPSTransportMovement", sps.PREFIXES)[1]) == [
        "ID",
        "ModeCode",
        "UsedSPSTransportMeans",
    ]
    process = _find(
        consignment, "ram:IncludedSPSConsignmentItem/ram:IncludedSPSTradeLineItem/ram:AppliedSPSProcess"
    )
    assert _names(process)[:3] == ["TypeCode", "CompletionSPSPeriod", "ApplicableSPSProcessCharacteristic"]
    assert _names(process)[-1] == "AdditionalInformationSPSNote"


def test_certificate_to_xml_writes_every_consignment_child_of_rich_data_in_schema_order() -> None:
    written = _written(_rich_certificate())
    consignment = _find(written, "rsm:SPSConsignment")
    item = _find(consignment, "ram:IncludedSPSConsignmentItem/ram:IncludedSPSTradeLineItem")

    assert _names(consignment) == [
        "ID",
        "ConsignorSPSParty",
        "ConsigneeSPSParty",
        "ExportSPSCountry",
        "ReExportSPSCountry",
        "LoadingBaseportSPSLocation",
        "ImportSPSCountry",
        "TransitSPSCountry",
        "TransitSPSCountry",
        "UnloadingBaseportSPSLocation",
        "ExaminationSPSEvent",
        "MainCarriageSPSTransportMovement",
        "MainCarriageSPSTransportMovement",
        "UtilizedSPSTransportEquipment",
        "IncludedSPSConsignmentItem",
    ]
    assert (
        len(consignment.findall("ram:IncludedSPSConsignmentItem/ram:IncludedSPSTradeLineItem", sps.PREFIXES))
        == 2
    )
    assert _names(item) == [
        "SequenceNumeric",
        "Description",
        "Description",
        "CommonName",
        "ScientificName",
        "ProductionBatchID",
        "ProductionBatchID",
        "IntendedUse",
        "NetWeightMeasure",
        "GrossWeightMeasure",
        "NetVolumeMeasure",
        "GrossVolumeMeasure",
        "AdditionalInformationSPSNote",
        "AdditionalInformationSPSNote",
        "ApplicableSPSClassification",
        "ApplicableSPSClassification",
        "PhysicalSPSPackage",
        "PhysicalSPSPackage",
        "OriginSPSCountry",
        "AppliedSPSProcess",
    ]
    assert _names(_find(consignment, "ram:ConsignorSPSParty")) == [
        "ID",
        "Name",
        "TypeCode",
        "SpecifiedSPSAddress",
        "SpecifiedSPSPerson",
    ]
    assert [seal.text for seal in consignment.iterfind(".//ram:AffixedSPSSeal/ram:ID", sps.PREFIXES)] == [
        "SEAL-1",
        "SEAL-2",
    ]


def test_certificate_to_xml_omits_empty_optional_elements_and_keeps_mandatory_ones_empty() -> None:
    data = CertificateData(id="GZ2026EC000002", type_code="657", status_code="40")

    xml = sps.certificate_to_xml(data)
    written = etree.fromstring(xml)

    assert sps.certificate_from_xml(xml) == data
    assert _names(_find(written, "rsm:SPSExchangedDocument")) == [
        "Name",
        "ID",
        "TypeCode",
        "StatusCode",
        "IssueDateTime",
        "SignatorySPSAuthentication",
    ]
    assert _names(_find(written, "rsm:SPSConsignment")) == [
        "ConsignorSPSParty",
        "ConsigneeSPSParty",
        "ExportSPSCountry",
        "ImportSPSCountry",
        "ExaminationSPSEvent",
        "IncludedSPSConsignmentItem",
    ]
    for optional in (
        b"IssuerSPSParty",
        b"IncludedSPSNote",
        b"TransitSPSCountry",
        b"UnloadingBaseport",
        b"languageID",
    ):
        assert optional not in xml
    assert b"<ram:Name/>" in xml


def test_certificate_data_converts_to_json_and_back() -> None:
    data = _rich_certificate()

    plain = data.to_dict()

    assert json.loads(json.dumps(plain, ensure_ascii=False)) == plain
    assert plain["consignment"]["consignor"]["name"] == CONSIGNOR_ZH
    assert plain["consignment"]["transport_equipment"][0]["seal_ids"] == ["SEAL-1", "SEAL-2"]
    assert CertificateData.from_dict(plain) == data
    assert Party.from_dict({"name": "X"}) == Party(name="X")


def test_certificate_data_from_dict_refuses_unknown_fields_and_wrong_types() -> None:
    with pytest.raises(SpsError, match=r"CertificateData.consignment: unknown field\(s\) shipper"):
        CertificateData.from_dict({"id": "1", "consignment": {"shipper": "x"}})
    with pytest.raises(SpsError, match=r"CertificateData.notes\[0\].subject: expected str, got int"):
        CertificateData.from_dict({"notes": [{"subject": 1}]})
    with pytest.raises(SpsError, match=r"CertificateData.notes: expected a list, got str"):
        CertificateData.from_dict({"notes": "ADEDL"})
