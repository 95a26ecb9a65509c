"""What the people in the process answer: each user task's form submission, by element id.

Shared by the process tests (test_models.py drives the engine alone, test_paths.py runs the real workers);
a test changes a copy (`{**ANSWERS[...], ...}`), never these.
"""

from __future__ import annotations

from typing import Any

LOW_RISK = {
    "type": "TORTURE_CIDT",
    "likelihood": "LOW",
    "seriousness": "SERIOUS",
    "contribution": "INDIRECT",
    "mitigationEffective": True,
}
HIGH_RISK = {
    **LOW_RISK,
    "likelihood": "HIGH",
    "seriousness": "GRAVE",
    "contribution": "DIRECT_OR_SIGNIFICANT",
}
#: what each user task's form submits, by element id
ANSWERS: dict[str, dict[str, Any]] = {
    "ScopeCapabilityReview": {
        "capabilityAvailable": True,
        "policingAreaInCatalogue": True,
        "trainersAvailable": True,
        "codeOfEthicsConcern": False,
        "ukDeliveryPossible": True,
        "ukStaffCount": 2,
    },
    "ConfirmFunding": {
        "funderName": "CSSF",
        "purchaseOrderRef": "PO-1",
        "paymentSchedule": "PROGRAMME_DRAWDOWN",
    },
    "ApproveSubsidy": {
        "subsidyDecision": "APPROVE",
        "subsidyAmount": 1000,
        "subsidyJustification": "Programme priority",
        "decidedBy": "Finance Director",
    },
    "ProjectOsjaAssessment": {
        "recipientUnit": "CID",
        "recipientCount": 12,
        "natureOfTransfer": "Investigative interviewing",
        "risks": [LOW_RISK],
        "reputationalRisk": "LOW",
        "caseSpecificDeathPenalty": False,
    },
    "DefineMitigations": {"mitigations": ["CURRICULUM_HUMAN_RIGHTS"], "mitigationNotes": "Module 3"},
    "PostConsultation": {"postConcurrence": "CONCUR", "postOfficer": "Second Secretary"},
    "OsjaQualityReview": {"osjaReviewOutcome": "COMPLETE", "osjaReviewNotes": "Complete"},
    "HodApproval": {
        "hrDecision": "APPROVE",
        "hrRationale": "Low residual risk",
        "decidedBy": "Head of International",
    },
    "SeniorOfficialApproval": {"hrDecision": "APPROVE", "hrRationale": "Medium risk", "decidedBy": "SCS1"},
    "MinisterialDecisionTask": {"hrDecision": "REFUSE", "hrRationale": "Too risky", "decidedBy": "Minister"},
    "ChiefConstableRecommendation": {
        "ccRecommendation": "RECOMMEND",
        "ccConsidered": ["PURPOSE"],
        "sensitive": False,
        "contentious": False,
        "ccComments": "Supported",
        "decidedBy": "CEO",
    },
    "PccDecision": {
        "pccDecision": "APPROVE",
        "pccDecisionRecordRef": "DR-1",
        "pccRationale": "ok",
        "decidedBy": "PCC",
    },
    "AgreeContract": {
        "contractRef": "C-1",
        "humanRightsClauseIncluded": True,
        "purposeAssuranceReceived": True,
    },
    "DeploymentRiskAssessment": {
        "deliveryLocation": "IN_COUNTRY",
        "hostileEnvironment": False,
        "itinerary": "Kingston",
    },
    "ChiefOfficerTravelAuthorisation": {"travelAuthorised": True, "decidedBy": "DCC"},
    "DeliverAssistance": {"deliveryCompletedOn": "2025-06-06", "participantsTrained": 12, "deliveryDays": 5},
    "EvaluationReview": {
        "evaluationSummary": "Delivered as planned",
        "humanRightsImpactConcern": False,
        "exposesVulnerability": False,
        "riskToDeployedStaff": False,
        "confidentialityDuty": False,
        "ctLink": False,
    },
}
