using KeyPortal.Core.Authorization;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Hosting;
using KeyPortal.Portal.Organizations;
using Microsoft.AspNetCore.Mvc;

namespace KeyPortal.Portal.Pages.Shipments;

/// <summary>
/// The form of a shipment request (create and edit): recipient, address, a quantity per order
/// line, and the override of an address that failed validation. The rules are
/// <see cref="ShipmentService"/>'s; this class turns its refusals into messages next to the fields
/// they are about.
/// </summary>
public abstract class ShipmentFormModel(CurrentMember organization) : OrganizationPageModel(organization)
{
    /// <summary>The error list of a field the form has no input for (shown above the form).</summary>
    public const string FormErrors = "";

    // The codes of the refusals that take arguments, read from the errors themselves.
    private static readonly string AddressInvalidCode = DomainErrors.AddressInvalid(new Dictionary<string, string[]>(), overridable: false).Code;
    private static readonly string OverrideReasonInvalidCode = DomainErrors.OverrideReasonInvalid(ShipmentRequest.MaxOverrideReasonLength).Code;

    [BindProperty]
    public string? RecipientName { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Phone { get; set; }

    [BindProperty]
    public string? Street { get; set; }

    [BindProperty]
    public string? City { get; set; }

    [BindProperty]
    public string? Region { get; set; }

    [BindProperty]
    public string? PostalCode { get; set; }

    /// <summary>ISO 3166-1 alpha-2, from <see cref="Countries.All"/>.</summary>
    [BindProperty]
    public string? Country { get; set; }

    /// <summary>Keys per order line (line id → quantity; empty or 0 leaves the product out).</summary>
    [BindProperty]
    public Dictionary<Guid, int?> Quantity { get; set; } = [];

    /// <summary>Keep an address that failed validation (Override address validation), with <see cref="OverrideReason"/>.</summary>
    [BindProperty]
    public bool OverrideValidation { get; set; }

    [BindProperty]
    public string? OverrideReason { get; set; }

    public PurchaseOrderView? Order { get; protected set; }

    /// <summary>Per order line, the most this request may carry: what remains on the order plus what it carries already.</summary>
    public IReadOnlyDictionary<Guid, int> Available { get; protected set; } = new Dictionary<Guid, int>();

    /// <summary>The request is being prepared: only its address can be corrected.</summary>
    public bool ItemsLocked { get; protected set; }

    /// <summary>Messages by input name (<see cref="FormErrors"/> for those of no one input).</summary>
    public Dictionary<string, List<string>> FieldErrors { get; } = new(StringComparer.Ordinal);

    public string? Error { get; protected set; }

    /// <summary>The last refusal was about the address only, and every problem may be overridden with a reason.</summary>
    public bool Overridable { get; private set; }

    public bool MayOverride => Allows(Permission.OverrideAddressValidation);

    /// <summary>Show the override: the address needs one, or the request was saved with one (editing keeps it unless unticked).</summary>
    public bool ShowsOverride => Overridable || OverrideValidation;

    public static string QuantityField(Guid lineId) => $"Quantity[{lineId}]";

    public static string IdOf(string field) => field.Replace('[', '-').Replace("]", "", StringComparison.Ordinal);

    public IReadOnlyList<string> ErrorsOf(string field) => FieldErrors.TryGetValue(field, out var errors) ? errors : [];

    /// <summary>The items as entered: the lines with a quantity, in the order's order.</summary>
    protected List<ShipmentItemInput> ItemsFromForm() =>
        [.. Order!.Lines.Where(l => Quantity.GetValueOrDefault(l.Id) is > 0).Select(l => new ShipmentItemInput(l.Id, Quantity[l.Id]!.Value))];

    /// <summary>
    /// Saves through <paramref name="save"/> and goes to the request; on a refusal nothing changed
    /// and the form is shown again with the messages next to the fields.
    /// </summary>
    protected async Task<IActionResult> SaveAsync(List<ShipmentItemInput> items, Func<ShipmentInput, Task<Guid>> save, string done)
    {
        ArgumentNullException.ThrowIfNull(save);
        if (QuantityUnreadable())
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var reason = OverrideValidation ? OverrideReason : null;
        var input = new ShipmentInput(
            Order!.Id,
            new ShippingAddress(RecipientName ?? "", Email ?? "", Phone ?? "", Street ?? "", City ?? "", Region, PostalCode ?? "", Country ?? ""),
            items,
            reason);
        try
        {
            var id = await save(input);
            return Redirect($"/shipments/{id}?done={done}");
        }
        catch (DomainException refused)
        {
            Show(refused.Error, items);
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(refused.Error);
            return Page();
        }
    }

    private void Show(DomainError error, List<ShipmentItemInput> items)
    {
        Error = error.Message;
        var details = error.Details ?? new Dictionary<string, object>();
        if (error.Code == AddressInvalidCode)
        {
            Overridable = details.TryGetValue("overridable", out var value) && value is true;
            if (Overridable && OverrideValidation && string.IsNullOrWhiteSpace(OverrideReason))
            {
                Add(nameof(OverrideReason), "Give the reason for keeping the address as it is.");
            }
        }
        else if (error.Code == DomainErrors.ShipmentItemsInvalid.Code)
        {
            Add(FormErrors, error.Message);
            Error = null;
        }
        else if (error.Code == OverrideReasonInvalidCode)
        {
            Add(nameof(OverrideReason), error.Message);
            Overridable = true;
        }

        if (details.TryGetValue("errors", out var errors) && errors is IEnumerable<KeyValuePair<string, string[]>> fields)
        {
            foreach (var (key, messages) in fields)
            {
                foreach (var message in messages)
                {
                    Add(InputOf(key, items), message);
                }
            }
        }
    }

    /// <summary>
    /// The input a refusal's key is about: <c>postalCode</c> is <c>PostalCode</c>, and
    /// <c>items[i].quantity</c> the quantity of the i-th item sent, which is one order line's.
    /// </summary>
    private static string InputOf(string key, List<ShipmentItemInput> items)
    {
        if (key.StartsWith("items[", StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(6, Math.Max(0, key.IndexOf(']', StringComparison.Ordinal) - 6)), out var index)
            && index >= 0 && index < items.Count)
        {
            return QuantityField(items[index].LineId);
        }

        return key switch
        {
            "recipientName" or "email" or "phone" or "street" or "city" or "region" or "postalCode" or "country" =>
                char.ToUpperInvariant(key[0]) + key[1..],
            _ => FormErrors,
        };
    }

    /// <summary>A quantity that is no whole number is refused here, before anything is sent.</summary>
    private bool QuantityUnreadable()
    {
        var unreadable = ModelState.Where(e => e.Key.StartsWith("Quantity[", StringComparison.Ordinal) && e.Value is { Errors.Count: > 0 }).ToList();
        foreach (var (key, _) in unreadable)
        {
            Add(key, "Enter a whole number of keys.");
        }

        return unreadable.Count > 0;
    }

    private void Add(string field, string message)
    {
        if (!FieldErrors.TryGetValue(field, out var list))
        {
            FieldErrors[field] = list = [];
        }

        list.Add(message);
    }
}
