"""The root of every error Liaison raises on purpose.

The tree, one line a class (each context's ``errors.py`` holds its own branch):

    LiaisonError
    ├── BiometricsError                 liaison.biometrics.errors
    │   ├── TemplateError               a minutiae record is malformed (names field and offset)
    │   ├── TransactionError            an ANSI/NIST-ITL transaction is malformed (names record,
    │   │                               field and offset)
    │   ├── CaptureError                a capture is unusable (no minutiae, bad position, ...)
    │   ├── ExtractionError             an image yields no usable finger (blank, noise, tiny,
    │   │                               too little finger, quality under the threshold)
    │   ├── GalleryError                the on-disk gallery is missing, corrupt or inconsistent
    │   └── EvaluationError             a dataset cannot be evaluated as asked
    ├── IdentityError                   liaison.identity.errors
    │   ├── UnknownIdentity, DuplicateIdentity
    │   ├── UnknownOffenseCode          an NCIC code the offense table does not know
    │   ├── PriorityTableError          a priority or offense table file is malformed
    │   └── InvalidCitizenshipRuling
    ├── BookingError                    liaison.bookings.errors
    │   ├── InvalidBooking              no fingerprints, unreadable template, bad charge
    │   ├── DuplicateTcn                a TCN reused with a different body
    │   ├── UnknownBooking, OutsideAgency, NotReviewable
    │   └── AdjudicationError           a citizenship referral, ruling or concurrence refused:
    │       ├── UnknownReferral, ReferralNotOpen
    │       ├── NotAnAdjudicator        the account does not hold the adjudicator role
    │       └── AdjudicatorConflict     they referred it, verified or lodged on the person,
    │                                   or made the ruling they would concur in
    ├── DetainerError                   liaison.detainers.errors
    │   ├── UnknownDetainer, DuplicateDetainer
    │   ├── LodgingRefused              a safeguard refuses the detainer:
    │   │   ├── UnverifiedIdentification, NotTheVerifiedIdentity, DetainerAlreadyOpen
    │   │   ├── ConflictOfDuties, CitizenshipIndicatorUnresolved, BasisNotSupported
    │   │   └── MissingProbableCause, MissingWarrant, MissingOfficer
    │   ├── IllegalTransition           the state machine forbids the event
    │   ├── HoldExpired, LapseNotDue    the 48-hour clock
    │   ├── OutOfOrder, ReleaseTimeFixed, ImpossibleReleaseTime, MissingReason
    │   └── AnswerForbiddenByPolicy     the jail's policy in force forbids its answer
    ├── JurisdictionError               liaison.jurisdictions.errors
    │   ├── UnknownJurisdiction, InvalidJurisdiction, UnknownAgency, DuplicateAgency
    │   └── InvalidAgency, InvalidOri, InvalidPolicy, MalformedAgreementRow
    ├── ScreeningError                  liaison.screening.errors
    │   ├── InvalidWatchlistEntry       a list entry is malformed (names the line or row)
    │   ├── InvalidDocket               the docket file lacks a column or cannot be read
    │   ├── UnknownListVersion, UnknownCase
    │   ├── CaseTransitionForbidden     the case protocol does not allow the step now
    │   └── CampaignError               a campaign cannot run or resume as asked
    ├── OperationsError                 liaison.operations.errors
    │   ├── NaiveDatetime               a date-time without a time zone (names the field)
    │   ├── InvalidDeclaration, ExtensionRefused
    │   ├── AssistanceRefused           a request or answer that does not fit the declaration:
    │   │   └── StateNotInScope, NotRequested
    │   ├── InvalidAgreement, InvalidDeployment, InvalidTarget, InvalidFacility
    │   ├── InvalidCustodyEvent, InvalidProjection
    │   ├── OverlappingDeployment       the same unit is already deployed on one of those days
    │   ├── UnknownRecord               UnknownDeclaration, UnknownAgreement, UnknownDeployment,
    │   │                               UnknownTarget, UnknownFacility, UnknownSnapshot
    │   └── DuplicateRecord             DuplicateDeclaration, DuplicateAgreement,
    │                                   DuplicateDeployment, DuplicateTarget, DuplicateFacility
    ├── AuditError                      liaison.audit.errors
    │   ├── AuditTrailBroken            verification found the chain edited, cut or reordered
    │   ├── AuditKeyError               the MAC key ring is unreadable or malformed
    │   │   └── UnknownAuditKey         no key with that id in the ring
    │   ├── CheckpointsUnreadable       the checkpoints outside the database cannot be read
    │   └── InvalidEntryQuery           a read of entries asked for a page out of bounds
    ├── AccountError                    liaison.accounts.errors
    │   ├── InvalidAccount, UnknownAccount
    │   ├── InvalidCredentials, AccountLocked
    │   └── LogonThrottled              too many failed logons: retry after a stated time
    └── StoreError                      liaison.adapters.store.errors
        ├── DuplicateKey                a unique key (e.g. a TCN) raced another writer
        ├── ConcurrentUpdate            another unit of work changed the row first
        └── LeaseLost                   a worker's job lease lapsed and another took it

HTTP status codes never live here: the API layer maps these classes in one table.
"""

__all__ = ["LiaisonError"]


class LiaisonError(Exception):
    """Base class for errors that carry a message meant for the person who caused them."""
