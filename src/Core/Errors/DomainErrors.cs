namespace KeyPortal.Core.Errors;

/// <summary>Every refusal the domain can produce, in one place, each with a stable code.</summary>
public static class DomainErrors
{
    public static readonly DomainError EmailInvalid =
        new("email.invalid", "Enter a valid email address, such as name@example.com.");

    public static readonly DomainError RoleUnknown =
        new("role.unknown", "Unknown role. Choose Owner, Admin, Auditor, Reseller or Distributor.");

    public static readonly DomainError MultipleOrganizationRoles =
        new("membership.multiple_organization_roles", "A member can hold at most one of Owner, Admin and Auditor.");

    public static readonly DomainError NoRole =
        new("membership.no_role", "Give the member an organization role or a channel role.");

    public static DomainError ChannelRoleNotAllowed(ChannelRoles role) =>
        new("membership.channel_role_not_allowed", $"The {role} role can only be given in an organization of kind {role}.");

    public static readonly DomainError AlreadyMember =
        new("membership.duplicate", "This person is already a member of the organization.", DomainErrorKind.Conflict);

    public static readonly DomainError MembershipNotFound =
        new("membership.not_found", "This person is not a member of the organization.", DomainErrorKind.NotFound);

    /// <summary>Internal: the address has an account, which must be invited rather than added. Never shown.</summary>
    public static readonly DomainError AccountExists =
        new("membership.account_exists", "This address already has an account.", DomainErrorKind.Conflict);

    public static readonly DomainError MembershipInvitationNotFound =
        new("membership.invitation_not_found", "This invitation is no longer open. Ask an Owner of the organization to invite you again.", DomainErrorKind.NotFound);

    /// <summary>SPEC Account resets: an Owner may not wipe credentials another organization relies on.</summary>
    public static readonly DomainError AccountBeyondOrganization =
        new("account.beyond_organization", "This person also belongs to an organization you are not an Owner of, so their account affects others too. Contact the vendor's support (a platform operator) to reset it.", DomainErrorKind.Forbidden);

    public static readonly DomainError PlatformOperatorProtected =
        new("account.platform_operator", "This is an account of the vendor's staff. Only a platform operator can reset, suspend or remove it.", DomainErrorKind.Forbidden);

    public static readonly DomainError LastOwner =
        new("organization.last_owner", "An organization must keep at least one Owner. Make another member Owner first.", DomainErrorKind.Conflict);

    public static readonly DomainError OrganizationNotFound =
        new("organization.not_found", "The organization does not exist.", DomainErrorKind.NotFound);

    public static readonly DomainError OrganizationNameInvalid =
        new("organization.name_invalid", "Enter an organization name of 1 to 200 characters.");

    public static readonly DomainError OrganizationSlugInvalid =
        new("organization.slug_invalid", "The short name may use 2 to 63 lowercase letters, digits and hyphens, and must start with a letter or digit.");

    public static readonly DomainError OrganizationSlugTaken =
        new("organization.slug_taken", "Another organization already uses this short name.", DomainErrorKind.Conflict);

    public static readonly DomainError OrganizationKindEmpty =
        new("organization.kind_empty", "Choose at least one of Customer, Reseller and Distributor.");

    public static readonly DomainError OrganizationKindUnknown =
        new("organization.kind_unknown", "Unknown kind. Choose Customer, Reseller or Distributor.");

    public static readonly DomainError UserNotFound =
        new("user.not_found", "The user does not exist.", DomainErrorKind.NotFound);

    public static DomainError IllegalTransition(UserState from, UserState to) =>
        new("user.illegal_transition", $"A user in state {UserStateNames.Display(from)} cannot become {UserStateNames.Display(to)}.", DomainErrorKind.Conflict);

    public static readonly DomainError PasskeyCeremonyInvalid =
        new("passkey.ceremony_invalid", "This security key request has expired or was already used. Please start again.");

    /// <summary>Deliberately vague: the details (which check failed) go to the log, not to the person.</summary>
    public static readonly DomainError PasskeyVerificationFailed =
        new("passkey.verification_failed", "The security key's response could not be verified. Please try again.");

    public static readonly DomainError PasskeySyncedNotAllowed =
        new("passkey.synced_not_allowed", "This passkey is synced to a cloud account (backup eligible). Use a passkey stored on your security key.");

    public static DomainError PasskeyNotAYubiKey(string minimumFirmware) =>
        new("passkey.not_a_yubikey", $"This authenticator is not a YubiKey. The portal accepts YubiKeys with firmware {minimumFirmware} or newer.");

    public static DomainError PasskeyFirmwareTooOld(string minimumFirmware) =>
        new("passkey.firmware_too_old", $"This YubiKey's firmware is older than {minimumFirmware}. YubiKey firmware cannot be updated, so please use a newer YubiKey.");

    public static readonly DomainError PasskeyAttestationUnverified =
        new("passkey.attestation_unverified", "We could not confirm that this security key is a genuine YubiKey. If your browser asks whether to share the security key's make and model, allow it, then try again.");

    public static readonly DomainError PasskeyAlreadyRegistered =
        new("passkey.already_registered", "This security key is already registered.", DomainErrorKind.Conflict);

    public static readonly DomainError PasskeySignCountRegressed =
        new("passkey.sign_count_regressed", "Sign-in with this security key was refused to protect your account. Use another of your security keys, or ask an Owner of your organization to reset your account.");

    public static readonly DomainError PasskeyNotFound =
        new("passkey.not_found", "That passkey is not one of yours.", DomainErrorKind.NotFound);

    public static readonly DomainError PasskeyNameInvalid =
        new("passkey.name_invalid", "Give the passkey a name of 1 to 64 characters.");

    public static readonly DomainError PasskeyNameTaken =
        new("passkey.name_taken", "You already have a passkey with that name. Choose another one.", DomainErrorKind.Conflict);

    public static readonly DomainError PasskeyLastOne =
        new("passkey.last_one", "This is your only passkey and you have no password: removing it would lock you out. Add another passkey first, then remove this one.", DomainErrorKind.Conflict);

    public static readonly DomainError PasskeyRegistrationNotAllowed =
        new("passkey.registration_not_allowed", "This account cannot register a passkey.", DomainErrorKind.Forbidden);

    public static readonly DomainError LinkNotConfirmedHere =
        new("invitation.not_confirmed_here", "Confirm it's you in this browser first: request a one-time code by email and enter it here.", DomainErrorKind.Forbidden);

    public static readonly DomainError InvitationInvalid =
        new("invitation.invalid", "This link is not valid. Check that you copied the whole link from the email, or ask an Owner of your organization to send a new one.", DomainErrorKind.NotFound);

    public static readonly DomainError InvitationExpired =
        new("invitation.expired", "This link has expired. Ask an Owner of your organization to send a new one.");

    public static readonly DomainError InvitationUsed =
        new("invitation.used", "This link was already used. Each link works once; sign in instead, or ask an Owner of your organization for a new one.", DomainErrorKind.Conflict);

    public static readonly DomainError InvitationSuperseded =
        new("invitation.superseded", "A newer email was sent to you and replaces this link. Use the link in the newest email.", DomainErrorKind.Conflict);

    /// <summary>Details: <c>minutesLeft</c>.</summary>
    public static DomainError InvitationLocked(int minutesLeft) =>
        new("invitation.locked", $"Too many wrong codes. Try again in {minutesLeft} {(minutesLeft == 1 ? "minute" : "minutes")}.", DomainErrorKind.Conflict)
        {
            Details = new Dictionary<string, object> { ["minutesLeft"] = minutesLeft },
        };

    public static readonly DomainError InvitationWrongStep =
        new("invitation.wrong_step", "This link cannot be used for that step. Please start again from the link in your email.", DomainErrorKind.Conflict);

    public static readonly DomainError InvitationNotPending =
        new("invitation.not_pending", "This person has already activated their account; there is nothing to resend.", DomainErrorKind.Conflict);

    /// <summary>Details: <c>attemptsLeft</c>.</summary>
    public static DomainError CodeInvalid(int attemptsLeft) =>
        new("code.invalid", $"That code is not correct. You have {attemptsLeft} {(attemptsLeft == 1 ? "try" : "tries")} left.")
        {
            Details = new Dictionary<string, object> { ["attemptsLeft"] = attemptsLeft },
        };

    public static readonly DomainError CodeExpired =
        new("code.expired", "This code has expired. Request a new code.");

    public static readonly DomainError CodeNotRequested =
        new("code.not_requested", "Request a code first; we will email it to you.");

    public static readonly DomainError CodeAlreadyVerified =
        new("code.already_verified", "Your code was already confirmed. Continue with the next step.", DomainErrorKind.Conflict);

    public static readonly DomainError CodeRequired =
        new("code.required", "Confirm the code from your email first.", DomainErrorKind.Forbidden);

    public static readonly DomainError OnboardingPasswordNotAllowed =
        new("onboarding.password_not_allowed", "Only the first Owner of a new organization may activate with a password. Register a passkey instead.", DomainErrorKind.Forbidden);

    public static readonly DomainError ResetNotAllowedPasswordless =
        new("reset.not_allowed_passwordless", "This user signs in with a passkey only and has no password to reset. Reset the account instead.", DomainErrorKind.Conflict);

    public static readonly DomainError PasswordsDiffer =
        new("password.mismatch", "The two passwords are not the same.");

    public static DomainError PasswordInvalid(IEnumerable<string> reasons) =>
        new("password.invalid", string.Join(" ", reasons));

    public static readonly DomainError SsoSettingsInvalid =
        new("sso.settings_invalid", "Check the single sign-on settings: a value is missing or not valid.");

    public static readonly DomainError SsoEntityIdInvalid =
        new("sso.entity_id_invalid", "Enter the identity provider's entity id, as its metadata states it.");

    public static readonly DomainError SsoAddressInvalid =
        new("sso.address_invalid", "Enter a full web address, such as https://idp.example.com/sso (no user name or #fragment).");

    public static readonly DomainError SsoAddressNotHttps =
        new("sso.address_not_https", "The identity provider's address must start with https://.");

    public static readonly DomainError SsoMetadataInvalid =
        new("sso.metadata_invalid", "The identity provider's metadata could not be read.");

    public static readonly DomainError SsoClientSecretRequired =
        new("sso.client_secret_required", "Enter the client secret: a new issuer or client id needs its secret again.");

    public static readonly DomainError SsoNotConfigured =
        new("sso.not_configured", "Connect an identity provider first: single sign-on cannot be turned on without one.", DomainErrorKind.Conflict);

    public static readonly DomainError SsoDomainInvalid =
        new("sso.domain_invalid", "Enter an email domain, such as contoso.com.");

    public static readonly DomainError SsoDomainTaken =
        new("sso.domain_taken", "This domain is already claimed here, or verified by another organization.", DomainErrorKind.Conflict);

    public static readonly DomainError FederatedSessionBeyondOrganization =
        new("sso.session_beyond_organization", "You signed in through your organization's identity provider. Sign in with your passkey to do this.", DomainErrorKind.Forbidden);

    public static readonly DomainError SsoDomainNotFound =
        new("sso.domain_not_found", "This domain is not claimed by the organization.", DomainErrorKind.NotFound);

    public static readonly DomainError ApiTokenNameInvalid =
        new("api_token.name_invalid", $"Enter a name of 1 to {ApiTokens.ApiToken.MaxNameLength} characters, such as the system that will use the token.");

    public static DomainError ApiTokenExpiryInvalid(int maxDays) =>
        new("api_token.expiry_invalid", $"Choose an expiry date in the future and at most {maxDays} days from today.");

    public static readonly DomainError ApiTokenNotPermitted =
        new("api_token.not_permitted", "Only Owners and Admins of the organization can generate and revoke API tokens.", DomainErrorKind.Forbidden);

    public static readonly DomainError ApiTokenNotFound =
        new("api_token.not_found", "The API token does not exist or was already revoked.", DomainErrorKind.NotFound);

    public static readonly DomainError CursorInvalid =
        new("page.cursor_invalid", "The cursor is not valid. Start again from the first page.");

    public static DomainError PageLimitInvalid(int max) =>
        new("page.limit_invalid", $"Ask for 1 to {max} items per page.");

    public static readonly DomainError PurchaseOrderNotFound =
        new("purchase_order.not_found", "The purchase order does not exist.", DomainErrorKind.NotFound);

    public static readonly DomainError PurchaseOrderNumberInvalid =
        new("purchase_order.number_invalid", "Enter the order number: 1 to 40 letters, digits, dots, slashes and hyphens, such as PO-2026-0042.");

    public static readonly DomainError PurchaseOrderNumberTaken =
        new("purchase_order.number_taken", "Another purchase order already has this number.", DomainErrorKind.Conflict);

    public static DomainError PurchaseOrderLinesInvalid(int max) =>
        new("purchase_order.lines_invalid", $"Enter 1 to {max} lines, each with a product and a quantity.");

    public static DomainError PurchaseOrderOrganizationInvalid(string field, OrganizationKind kind) =>
        new("purchase_order.organization_invalid", $"Choose an organization of kind {kind}.")
        {
            Details = new Dictionary<string, object> { ["errors"] = new Dictionary<string, string[]> { [field] = [$"Choose an organization of kind {kind}."] } },
        };

    public static readonly DomainError ShipmentNotFound =
        new("shipment.not_found", "The shipment request does not exist.", DomainErrorKind.NotFound);

    public static DomainError ShipmentNotPermitted(string permission) =>
        new("shipment.not_permitted", $"Your role does not allow this: {permission}.", DomainErrorKind.Forbidden);

    public static readonly DomainError ShipmentItemsInvalid =
        new("shipment.items_invalid", "Choose at least one product of the order, each once, with a quantity of 1 or more.");

    public static DomainError ShipmentExceedsOrder(IDictionary<string, string[]> errors) =>
        new("shipment.exceeds_order", "A shipment request cannot carry more than remains on the purchase order.", DomainErrorKind.Conflict)
        {
            Details = new Dictionary<string, object> { ["errors"] = errors },
        };

    public static readonly DomainError ShipmentItemsLocked =
        new("shipment.items_locked", "This shipment is being prepared: its items can no longer change, only its address can be corrected.", DomainErrorKind.Conflict);

    public static readonly DomainError ShipmentClosed =
        new("shipment.closed", "This shipment has shipped or was cancelled and can no longer change.", DomainErrorKind.Conflict);

    public static DomainError ShipmentIllegalTransition(Delivery.ShipmentState from, Delivery.ShipmentState to) =>
        new("shipment.illegal_transition", $"A shipment that is {from} cannot become {to}.", DomainErrorKind.Conflict);

    public static DomainError AddressInvalid(IDictionary<string, string[]> errors, bool overridable) =>
        new("address.invalid", overridable
            ? "The address did not pass validation. Correct it, or keep it by giving a reason for the override."
            : "The address is incomplete or not valid. Correct the fields shown.")
        {
            Details = new Dictionary<string, object> { ["errors"] = errors, ["overridable"] = overridable },
        };

    public static DomainError OverrideReasonInvalid(int max) =>
        new("address.override_reason_invalid", $"Give the reason for the override in at most {max} characters, on one line.");

    public static DomainError IdempotencyKeyInvalid(int max) =>
        new("idempotency.key_invalid", $"The Idempotency-Key must be 1 to {max} visible ASCII characters.");

    public static readonly DomainError IdempotencyKeyReused =
        new("idempotency.key_reused", "This Idempotency-Key was already used for a different request.", DomainErrorKind.Conflict);

    public static readonly DomainError OperatorRequired =
        new("operator.required", "Only platform operators can do this.", DomainErrorKind.Forbidden);

    public static readonly DomainError SuspendSelf =
        new("user.suspend_self", "You cannot suspend your own account.", DomainErrorKind.Forbidden);

    public static readonly DomainError SuspendOperator =
        new("user.suspend_operator", "A platform operator's account cannot be suspended.", DomainErrorKind.Forbidden);

    public static DomainError ReasonRequired(int max) =>
        new("reason.required", $"Give the reason in 1 to {max} characters, on one line. It is kept in the audit trail.");

    public static readonly DomainError AlreadyOwner =
        new("organization.already_owner", "This person is already an Owner of the organization.", DomainErrorKind.Conflict);

    public static readonly DomainError AppointeeSuspended =
        new("organization.appointee_suspended", "This account is suspended. Lift the suspension first, or appoint somebody else.", DomainErrorKind.Conflict);

    public static DomainError KindInUse(OrganizationKind kind, string by) =>
        new("organization.kind_in_use", $"The organization cannot stop being a {kind}: {by}.", DomainErrorKind.Conflict);

    public static readonly DomainError CustomerNeedsOwner =
        new("organization.customer_needs_owner", "A Customer organization needs an Owner. Appoint one first, then make it a Customer.", DomainErrorKind.Conflict);

    public static readonly DomainError AuditFilterInvalid =
        new("audit.filter_invalid", "The filter is not valid: the time range must run forward, and the action prefix be at most 64 characters.");
}
