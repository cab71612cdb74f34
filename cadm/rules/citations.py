"""Sources cited by the rules (full references in ../shared/clinical-reference.md)."""

IMACS_2023 = ("Oldroyd AGS et al. International guideline for idiopathic inflammatory "
              "myopathy-associated cancer screening: an IMACS initiative. Nat Rev Rheumatol "
              "2023;19(12):805-817 (clinical-reference.md §1)")
EULAR_ACR_2017 = ("Lundberg IE et al. 2017 EULAR/ACR classification criteria for adult and "
                  "juvenile idiopathic inflammatory myopathies. Ann Rheum Dis "
                  "2017;76(12):1955-1964 (clinical-reference.md §2)")
SONTHEIMER_2002 = ("Sontheimer RD. J Am Acad Dermatol 2002;46(4):626-636; Curr Opin Rheumatol "
                   "1999;11(6):475-82 (clinical-reference.md §3.1)")
ACR_CHEST_2023 = ("Johnson SR et al. 2023 ACR/CHEST guideline for the screening and monitoring "
                  "of ILD in systemic autoimmune rheumatic diseases. Arthritis Rheumatol "
                  "2024;76(8) (clinical-reference.md §4.3)")
PPF_2022 = ("Raghu G et al. ATS/ERS/JRS/ALAT clinical practice guideline: IPF and progressive "
            "pulmonary fibrosis. Am J Respir Crit Care Med 2022;205(9):e18-e47 "
            "(clinical-reference.md §5)")
LEGACY_DECLINE = ("Older practice criteria of relative decline (Breathe comparison table; "
                  "Aging Dis 2022;13(1):73) (clinical-reference.md §5)")
LAMA_2003 = ("Lama VN et al. Prognostic value of desaturation during a 6-minute walk test. "
             "AJRCCM 2003;168(9):1084-90 (clinical-reference.md §5)")
YANG_2021 = ("Yang Q et al. Orphanet J Rare Dis 2021, doi:10.1186/s13023-021-01705-8 "
             "(clinical-reference.md §4.1-4.2)")
HONG_KONG_2022 = ("Hong Kong Myositis Registry (FLAW), Rheumatology (Oxford) 2022;61(11):4437 "
                  "(clinical-reference.md §4.1)")
FLAIR_2020 = ("Lian X et al. FLAIR model. Chest 2020;158(4):1535-1545 "
              "(clinical-reference.md §4.1)")
MCK_2021 = ("Gono T et al. MCK model. Arthritis Rheumatol 2021;73(4):677-686; thresholds from "
            "Miyake H et al. Mod Rheumatol 2025 (clinical-reference.md §4.1)")
AAO_2016 = ("Marmor MF et al. Recommendations on screening for chloroquine and "
            "hydroxychloroquine retinopathy (2016 revision). Ophthalmology 2016;123(6):1386-94 "
            "(clinical-reference.md §7)")
LAB_INTERVALS = "Laboratory reference intervals (clinical-reference.md §6.1)"
ENTRY_GUARD = ("Engineering proposal, not a clinical source: a guard against typing errors at "
               "data entry, like the plausibility ranges of clinical-reference.md §6.2, which "
               "has no row for drug doses")
PRODUCT_POLICY = ("Product policy, not a clinical source: how long a reviewer may silence a "
                  "flag before it asks again (DESIGN.md §6)")

PENDING = "pending clinical validation"
