using System.Collections.Frozen;
using System.Net.Mail;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace KeyPortal.Core.Delivery;

/// <summary>
/// Shipping addresses, field by field. Never overridable: a missing field, one too long, control
/// characters (a label is one line per field), an unknown country, an email that is not one.
/// Overridable: the postal code's format for the country, a phone number libphonenumber does not
/// know as valid, a missing or unknown region where the country has regions on its labels.
/// </summary>
public static partial class AddressValidation
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    private static readonly FrozenDictionary<string, PostalFormat> PostalFormats = new Dictionary<string, PostalFormat>
    {
        ["US"] = new(UsZip(), "Enter a US ZIP code such as 94105 or 94105-1234.", c => c.Length == 9 ? $"{c[..5]}-{c[5..]}" : c),
        ["CA"] = new(CanadianPostalCode(), "Enter a Canadian postal code such as K1A 0B1.", c => $"{c[..3]} {c[^3..]}"),
        ["GB"] = new(UkPostcode(), "Enter a UK postcode such as SW1A 1AA.", c => $"{c[..^3]} {c[^3..]}"),
        ["DE"] = new(FiveDigits(), "Enter a German postal code of five digits, such as 10117.", c => c),
        ["FR"] = new(FiveDigits(), "Enter a French postal code of five digits, such as 75008.", c => c),
        ["SE"] = new(SwedishPostalCode(), "Enter a Swedish postal code such as 111 51.", c => $"{c[..3]} {c[^2..]}"),
        ["NL"] = new(DutchPostalCode(), "Enter a Dutch postal code such as 1012 AB.", c => $"{c[..4]} {c[^2..]}"),
        ["JP"] = new(JapanesePostalCode(), "Enter a Japanese postal code such as 100-0001.", c => $"{c[..3]}-{c[^4..]}"),
        ["AU"] = new(FourDigits(), "Enter an Australian postcode of four digits, such as 2000.", c => c),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, Regions> RegionsByCountry = new Dictionary<string, Regions>
    {
        ["US"] = new("state", new Dictionary<string, string>
        {
            ["AL"] = "Alabama", ["AK"] = "Alaska", ["AZ"] = "Arizona", ["AR"] = "Arkansas", ["CA"] = "California", ["CO"] = "Colorado",
            ["CT"] = "Connecticut", ["DE"] = "Delaware", ["DC"] = "District of Columbia", ["FL"] = "Florida", ["GA"] = "Georgia",
            ["HI"] = "Hawaii", ["ID"] = "Idaho", ["IL"] = "Illinois", ["IN"] = "Indiana", ["IA"] = "Iowa", ["KS"] = "Kansas",
            ["KY"] = "Kentucky", ["LA"] = "Louisiana", ["ME"] = "Maine", ["MD"] = "Maryland", ["MA"] = "Massachusetts",
            ["MI"] = "Michigan", ["MN"] = "Minnesota", ["MS"] = "Mississippi", ["MO"] = "Missouri", ["MT"] = "Montana",
            ["NE"] = "Nebraska", ["NV"] = "Nevada", ["NH"] = "New Hampshire", ["NJ"] = "New Jersey", ["NM"] = "New Mexico",
            ["NY"] = "New York", ["NC"] = "North Carolina", ["ND"] = "North Dakota", ["OH"] = "Ohio", ["OK"] = "Oklahoma",
            ["OR"] = "Oregon", ["PA"] = "Pennsylvania", ["RI"] = "Rhode Island", ["SC"] = "South Carolina", ["SD"] = "South Dakota",
            ["TN"] = "Tennessee", ["TX"] = "Texas", ["UT"] = "Utah", ["VT"] = "Vermont", ["VA"] = "Virginia", ["WA"] = "Washington",
            ["WV"] = "West Virginia", ["WI"] = "Wisconsin", ["WY"] = "Wyoming", ["PR"] = "Puerto Rico", ["GU"] = "Guam",
            ["VI"] = "U.S. Virgin Islands", ["AS"] = "American Samoa", ["MP"] = "Northern Mariana Islands",
            ["AA"] = "Armed Forces Americas", ["AE"] = "Armed Forces Europe", ["AP"] = "Armed Forces Pacific",
        }, "CA or California"),
        ["CA"] = new("province or territory", new Dictionary<string, string>
        {
            ["AB"] = "Alberta", ["BC"] = "British Columbia", ["MB"] = "Manitoba", ["NB"] = "New Brunswick",
            ["NL"] = "Newfoundland and Labrador", ["NS"] = "Nova Scotia", ["NT"] = "Northwest Territories", ["NU"] = "Nunavut",
            ["ON"] = "Ontario", ["PE"] = "Prince Edward Island", ["QC"] = "Quebec", ["SK"] = "Saskatchewan", ["YT"] = "Yukon",
        }, "ON or Ontario"),
        ["AU"] = new("state or territory", new Dictionary<string, string>
        {
            ["ACT"] = "Australian Capital Territory", ["NSW"] = "New South Wales", ["NT"] = "Northern Territory",
            ["QLD"] = "Queensland", ["SA"] = "South Australia", ["TAS"] = "Tasmania", ["VIC"] = "Victoria", ["WA"] = "Western Australia",
        }, "NSW or New South Wales"),
    }.ToFrozenDictionary();

    private static readonly (string Field, int Max, string Label)[] Limits =
    [
        ("recipientName", 200, "the recipient's name"), ("email", 254, "the recipient's email"), ("phone", 32, "the recipient's phone number"),
        ("street", 300, "the street and house number"), ("city", 100, "the city"), ("region", 100, "the region"),
        ("postalCode", 16, "the postal code"), ("country", 2, "the country"),
    ];

    /// <summary>
    /// Trims every field and collapses runs of spaces, upper-cases the country and postal code and
    /// writes known postal codes in their usual form, and a valid phone number in E.164. Control
    /// characters stay, so that <see cref="Validate"/> refuses them. Never throws.
    /// </summary>
    public static ShippingAddress Normalize(ShippingAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var country = Clean(address.Country).ToUpperInvariant();
        var postal = Clean(address.PostalCode).ToUpperInvariant();
        if (PostalFormats.TryGetValue(country, out var format) && format.Pattern.IsMatch(postal))
        {
            postal = format.Canonical(postal.Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal));
        }

        var phone = Clean(address.Phone);
        if (ValidPhone(phone, country) is { } number)
        {
            phone = Phones.Format(number, PhoneNumberFormat.E164);
        }

        var region = Clean(address.Region);
        return new ShippingAddress(
            Clean(address.RecipientName), Clean(address.Email), phone, Clean(address.Street), Clean(address.City),
            region.Length == 0 ? null : region, postal, country);
    }

    /// <summary>Every problem of a normalized address, field by field; empty when it is valid.</summary>
    public static IReadOnlyList<AddressProblem> Validate(ShippingAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var problems = new List<AddressProblem>();
        var values = new Dictionary<string, string?>
        {
            ["recipientName"] = address.RecipientName, ["email"] = address.Email, ["phone"] = address.Phone, ["street"] = address.Street,
            ["city"] = address.City, ["region"] = address.Region, ["postalCode"] = address.PostalCode, ["country"] = address.Country,
        };
        foreach (var (field, max, label) in Limits)
        {
            var value = values[field] ?? "";
            if (value.Length == 0)
            {
                if (field != "region")
                {
                    problems.Add(new(field, field == "country" ? "Choose a country from the list." : $"Enter {label}.", false));
                }
            }
            else if (value.Any(char.IsControl))
            {
                problems.Add(new(field, $"Enter {label} on one line, without tabs or line breaks.", false));
            }
            else if (value.Length > max && field != "country")
            {
                problems.Add(new(field, $"Shorten {label} to at most {max} characters.", false));
            }
        }

        var bad = problems.Select(p => p.Field).ToHashSet();
        var country = address.Country ?? "";
        if (!bad.Contains("country") && !Countries.IsKnown(country))
        {
            problems.Add(new("country", "Choose a country from the list.", false));
            bad.Add("country");
        }

        if (!bad.Contains("email") && !IsEmail(address.Email))
        {
            problems.Add(new("email", "Enter a valid email address, such as name@example.com.", false));
        }

        if (!bad.Contains("country"))
        {
            if (!bad.Contains("postalCode"))
            {
                CheckPostalCode(address.PostalCode, country, problems);
            }

            if (!bad.Contains("phone") && ValidPhone(address.Phone, country) is null)
            {
                problems.Add(new("phone", $"Enter a valid phone number, with the country code, such as {PhoneExample(country)}.", true));
            }

            if (!bad.Contains("region"))
            {
                CheckRegion(address.Region, country, problems);
            }
        }

        return problems;
    }

    /// <summary>Field → messages, as RFC 7807 validation problems carry them.</summary>
    public static IDictionary<string, string[]> ToErrors(IEnumerable<AddressProblem> problems) =>
        problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray());

    private static void CheckPostalCode(string postalCode, string country, List<AddressProblem> problems)
    {
        if (PostalFormats.TryGetValue(country, out var format))
        {
            if (!format.Pattern.IsMatch(postalCode))
            {
                problems.Add(new("postalCode", format.Message, true));
            }
        }
        else if (!OtherPostalCode().IsMatch(postalCode))
        {
            problems.Add(new("postalCode", "Enter the postal code with letters, digits, spaces and hyphens only.", true));
        }
    }

    private static void CheckRegion(string? region, string country, List<AddressProblem> problems)
    {
        if (!RegionsByCountry.TryGetValue(country, out var regions))
        {
            return;
        }

        if (string.IsNullOrEmpty(region))
        {
            problems.Add(new("region", $"Enter the {regions.Kind}, such as {regions.Example}.", true));
        }
        else if (!regions.Names.ContainsKey(region.ToUpperInvariant())
            && !regions.Names.Values.Any(name => string.Equals(name, region, StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add(new("region", $"Enter a {regions.Kind} of {Countries.NameOf(country)}, such as {regions.Example}.", true));
        }
    }

    private static PhoneNumber? ValidPhone(string phone, string country)
    {
        if (phone.Length is 0 or > 32)
        {
            return null;
        }

        try
        {
            var number = Phones.Parse(phone, country.Length == 2 ? country : null);
            return Phones.IsValidNumber(number) ? number : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    private static string PhoneExample(string country)
    {
        var example = Phones.GetExampleNumber(country);
        return example is null ? "+46 8 123 456 78" : Phones.Format(example, PhoneNumberFormat.INTERNATIONAL);
    }

    private static bool IsEmail(string email)
    {
        if (email.Contains(' ', StringComparison.Ordinal) || email.Count(c => c == '@') != 1)
        {
            return false;
        }

        try
        {
            var parsed = new MailAddress(email);
            return parsed.Address == email && parsed.Host.Contains('.', StringComparison.Ordinal) && !parsed.Host.EndsWith('.');
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Trimmed, runs of spaces as one; control characters are kept for the validation to refuse.</summary>
    private static string Clean(string? value) => value is null ? "" : Spaces().Replace(value.Trim(' '), " ");

    private sealed record PostalFormat(Regex Pattern, string Message, Func<string, string> Canonical);

    private sealed record Regions(string Kind, IReadOnlyDictionary<string, string> Names, string Example);

    [GeneratedRegex("^[0-9]{5}(-[0-9]{4})?$", RegexOptions.CultureInvariant)]
    private static partial Regex UsZip();

    [GeneratedRegex("^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]$", RegexOptions.CultureInvariant)]
    private static partial Regex CanadianPostalCode();

    [GeneratedRegex("^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex UkPostcode();

    [GeneratedRegex("^[0-9]{5}$", RegexOptions.CultureInvariant)]
    private static partial Regex FiveDigits();

    [GeneratedRegex("^[0-9]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex FourDigits();

    [GeneratedRegex("^[0-9]{3} ?[0-9]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex SwedishPostalCode();

    [GeneratedRegex("^[1-9][0-9]{3} ?(?!SA|SD|SS)[A-Z]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DutchPostalCode();

    [GeneratedRegex("^[0-9]{3}-?[0-9]{4}$", RegexOptions.CultureInvariant)]
    private static partial Regex JapanesePostalCode();

    [GeneratedRegex("^[A-Z0-9][A-Z0-9 -]{0,15}$", RegexOptions.CultureInvariant)]
    private static partial Regex OtherPostalCode();

    [GeneratedRegex(" {2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Spaces();
}
