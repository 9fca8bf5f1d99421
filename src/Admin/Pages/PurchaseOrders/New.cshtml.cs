using System.Globalization;
using KeyPortal.Admin.PurchaseOrders;
using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;
using KeyPortal.Core.Organizations;
using KeyPortal.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace KeyPortal.Admin.Pages.PurchaseOrders;

/// <summary>
/// SPEC People and places: platform operators create purchase orders. The operator enters the
/// vendor's order number, the customer (an organization of kind Customer), optionally the reseller
/// and distributor it was sold through, and its lines. <see cref="PurchaseOrderService"/> checks and
/// audits it; a refusal is shown at its fields and writes nothing. Rows left empty are not lines;
/// "Add rows" gives more without any script.
/// </summary>
public sealed class NewModel(PortalDbContext db, PurchaseOrderService orders) : PageModel
{
    public const string Path = "/purchase-orders/new";

    /// <summary>Empty rows on a new form, and how many "Add rows" adds.</summary>
    public const int RowsAtATime = 5;

    [BindProperty]
    public string? Number { get; set; }

    [BindProperty]
    public Guid? CustomerOrganizationId { get; set; }

    [BindProperty]
    public Guid? ResellerOrganizationId { get; set; }

    [BindProperty]
    public Guid? DistributorOrganizationId { get; set; }

    [BindProperty]
    public List<LineRow> Lines { get; set; } = [];

    /// <summary>One row of the lines table, as typed (a quantity that is not a number is shown back as it was).</summary>
    public sealed class LineRow
    {
        public string? Product { get; set; }

        public string? Quantity { get; set; }

        public bool IsEmpty => string.IsNullOrWhiteSpace(Product) && string.IsNullOrWhiteSpace(Quantity);
    }

    public string? Error { get; private set; }

    /// <summary>Messages per field, by the input's property paths (<c>lines[2].quantity</c> names the third row).</summary>
    public IReadOnlyDictionary<string, string[]> FieldErrors { get; private set; } = new Dictionary<string, string[]>();

    public IReadOnlyList<OrganizationChoice> Customers { get; private set; } = [];

    public IReadOnlyList<OrganizationChoice> Resellers { get; private set; } = [];

    public IReadOnlyList<OrganizationChoice> Distributors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        await LoadChoicesAsync(cancellationToken);
        Lines = [];
        PadRows(RowsAtATime);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        // Rows left empty are not lines; the rest go to Core in order, remembering their row.
        var filled = Lines.Select((row, index) => (Row: row, Index: index)).Where(x => !x.Row.IsEmpty).ToList();
        var input = new PurchaseOrderInput(
            Number ?? "",
            CustomerOrganizationId ?? Guid.Empty,
            ResellerOrganizationId,
            DistributorOrganizationId,
            [.. filled.Select(x => new PurchaseOrderLineInput(x.Row.Product ?? "", QuantityOf(x.Row.Quantity)))]);
        PurchaseOrder created;
        try
        {
            created = await orders.CreateAsync(await HttpContext.SignedInActorAsync(db), input, cancellationToken);
        }
        catch (DomainException refused)
        {
            Error = refused.Error.Message;
            FieldErrors = PurchaseOrderRefusals.FieldErrorsOf(refused.Error).ToDictionary(
                e => RowField(e.Key, filled.Select(x => x.Index).ToList()), e => e.Value);
            Response.StatusCode = DomainExceptionHandler.StatusCodeOf(refused.Error);
            await LoadChoicesAsync(cancellationToken);
            PadRows(0);
            return Page();
        }

        return Redirect($"/purchase-orders/{created.Id}?done=created");
    }

    /// <summary>The form as entered, with more empty rows; nothing is saved.</summary>
    public async Task OnPostAddRowsAsync(CancellationToken cancellationToken)
    {
        await LoadChoicesAsync(cancellationToken);
        PadRows(RowsAtATime);
    }

    public IReadOnlyList<string> ErrorsOf(string field) => FieldErrors.TryGetValue(field, out var messages) ? messages : [];

    /// <summary>An element id for a field path: <c>lines[2].quantity</c> becomes <c>lines-2-quantity</c>.</summary>
    public static string IdOf(string field) =>
        string.Concat((field ?? "").Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')).Trim('-').Replace("--", "-", StringComparison.Ordinal);

    private async Task LoadChoicesAsync(CancellationToken cancellationToken)
    {
        var all = await OrganizationChoices.LoadAsync(db, cancellationToken);
        Customers = [.. all.Where(o => o.Is(OrganizationKind.Customer))];
        Resellers = [.. all.Where(o => o.Is(OrganizationKind.Reseller))];
        Distributors = [.. all.Where(o => o.Is(OrganizationKind.Distributor))];
    }

    /// <summary>Adds <paramref name="more"/> empty rows (at least one empty row stays), never beyond an order's most lines.</summary>
    private void PadRows(int more)
    {
        var target = Math.Min(PurchaseOrder.MaxLines, Math.Max(Lines.Count + more, Lines.Count(r => !r.IsEmpty) + 1));
        while (Lines.Count < target)
        {
            Lines.Add(new LineRow());
        }
    }

    /// <summary>Not a whole number (or too large to be one) reads as 0, which Core refuses with its own words.</summary>
    private static int QuantityOf(string? text) =>
        int.TryParse(text?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) ? quantity : 0;

    /// <summary>Core numbers the lines it was given; the form's rows include the empty ones skipped.</summary>
    private static string RowField(string field, List<int> rows)
    {
        const string prefix = "lines[";
        if (!field.StartsWith(prefix, StringComparison.Ordinal))
        {
            return field;
        }

        var end = field.IndexOf(']', StringComparison.Ordinal);
        return end > prefix.Length
            && int.TryParse(field.AsSpan(prefix.Length, end - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var line)
            && line < rows.Count
            ? $"{prefix}{rows[line]}{field[end..]}"
            : field;
    }
}

/// <summary>The messages of one field of the purchase-order form (<c>_FieldError</c>).</summary>
public sealed record FieldError(string Field, IReadOnlyList<string> Messages);
