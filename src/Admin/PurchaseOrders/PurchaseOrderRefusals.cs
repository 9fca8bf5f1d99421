using KeyPortal.Core.Delivery;
using KeyPortal.Core.Errors;

namespace KeyPortal.Admin.PurchaseOrders;

/// <summary>
/// A refusal of a new purchase order as errors per field, named by the input's JSON property paths
/// (<c>number</c>, <c>customerOrganizationId</c>, <c>lines[0].quantity</c>...), for the form and
/// the API alike. Core names the field in <c>Details["errors"]</c> for organizations and lines; the
/// refusals about the number and about the list of lines as a whole carry none, so they are placed
/// here by their stable codes. Which input is refused is decided in Core only.
/// </summary>
internal static class PurchaseOrderRefusals
{
    public const string ErrorsKey = "errors";

    public const string NumberField = "number";

    public const string LinesField = "lines";

    public static IReadOnlyDictionary<string, string[]> FieldErrorsOf(DomainError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Details?.GetValueOrDefault(ErrorsKey) is IDictionary<string, string[]> fields)
        {
            return fields.AsReadOnly();
        }

        return FieldOf(error.Code) is { } field
            ? new Dictionary<string, string[]> { [field] = [error.Message] }
            : new Dictionary<string, string[]>();
    }

    /// <summary>The refusal with its field errors in <c>Details["errors"]</c>, so problem details carry them; itself when it has them or names no field.</summary>
    public static DomainError WithFieldErrors(DomainError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Details?.ContainsKey(ErrorsKey) == true || FieldOf(error.Code) is null)
        {
            return error;
        }

        var details = new Dictionary<string, object>(error.Details ?? new Dictionary<string, object>())
        {
            [ErrorsKey] = FieldErrorsOf(error),
        };
        return error with { Details = details };
    }

    private static string? FieldOf(string code) =>
        code == DomainErrors.PurchaseOrderNumberInvalid.Code || code == DomainErrors.PurchaseOrderNumberTaken.Code ? NumberField
        : code == DomainErrors.PurchaseOrderLinesInvalid(PurchaseOrder.MaxLines).Code ? LinesField
        : null;
}
