using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace KeyPortal.Core.Delivery;

/// <summary>
/// The shipments CSV (Owners only). A cell that a spreadsheet would read as a formula (starting
/// with <c>= + - @</c>, a tab or a carriage return) is written with a leading apostrophe, so an
/// address typed as <c>=HYPERLINK(...)</c> stays text (OWASP CSV injection).
/// </summary>
public static class ShipmentCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        InjectionOptions = InjectionOptions.Escape,
        NewLine = "\r\n",
    };

    private static readonly string[] Header =
    [
        "Shipment", "Purchase order", "State", "Recipient", "Email", "Phone", "Street", "City", "Region", "Postal code", "Country",
        "Items", "Validation override", "Created", "Shipped",
    ];

    /// <summary>Writes the header and one row per shipment as they arrive; returns the number of rows.</summary>
    public static async Task<int> WriteAsync(TextWriter writer, IAsyncEnumerable<ShipmentView> shipments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shipments);
        await using var csv = new CsvWriter(writer, Configuration, leaveOpen: true);
        foreach (var name in Header)
        {
            csv.WriteField(name);
        }

        await csv.NextRecordAsync();
        var count = 0;
        await foreach (var s in shipments.WithCancellation(cancellationToken))
        {
            csv.WriteField(s.Id.ToString());
            csv.WriteField(s.PurchaseOrderNumber);
            csv.WriteField(s.State.ToString());
            csv.WriteField(s.Recipient.RecipientName);
            csv.WriteField(s.Recipient.Email);
            csv.WriteField(s.Recipient.Phone);
            csv.WriteField(s.Recipient.Street);
            csv.WriteField(s.Recipient.City);
            csv.WriteField(s.Recipient.Region ?? "");
            csv.WriteField(s.Recipient.PostalCode);
            csv.WriteField(s.Recipient.Country);
            csv.WriteField(string.Join("; ", s.Items.Select(i => $"{i.Quantity} x {i.Product}")));
            csv.WriteField(s.ValidationOverrideReason ?? "");
            csv.WriteField(s.CreatedAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
            csv.WriteField(s.ShippedAt?.UtcDateTime.ToString("u", CultureInfo.InvariantCulture) ?? "");
            await csv.NextRecordAsync();
            count++;
            if (count % 500 == 0)
            {
                await csv.FlushAsync();
            }
        }

        await csv.FlushAsync();
        return count;
    }
}
