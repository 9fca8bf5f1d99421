using KeyPortal.Core.Delivery;

namespace KeyPortal.Core.Tests.Delivery;

/// <summary>Shipping addresses per country: what is refused, what may be overridden with a reason, and how entries are written.</summary>
public sealed class AddressValidationTests
{
    private static ShippingAddress In(string country, string postalCode, string phone, string? region = null) =>
        new("Recipient Name", "recipient@example.com", phone, "Main Street 1", "Town", region, postalCode, country);

    private static IReadOnlyList<AddressProblem> Check(ShippingAddress address) => AddressValidation.Validate(AddressValidation.Normalize(address));

    [Theory]
    [InlineData("US", "94105", "94105", "+1 415 555 0100", "CA")]
    [InlineData("US", "94105-1234", "94105-1234", "(415) 555-0100", "California")]
    [InlineData("CA", "k1a0b1", "K1A 0B1", "+1 613 555 0100", "ON")]
    [InlineData("CA", "K1A 0B1", "K1A 0B1", "613-555-0100", "Ontario")]
    [InlineData("GB", "sw1a1aa", "SW1A 1AA", "+44 20 7946 0958", null)]
    [InlineData("GB", "M1 1AE", "M1 1AE", "020 7946 0958", null)]
    [InlineData("GB", "GIR 0AA", "GIR 0AA", "+44 20 7946 0958", null)]
    [InlineData("DE", "10117", "10117", "+49 30 901820", null)]
    [InlineData("FR", "75008", "75008", "+33 1 42 68 53 00", null)]
    [InlineData("SE", "11151", "111 51", "08-123 456 78", null)]
    [InlineData("NL", "1012ab", "1012 AB", "+31 20 624 1111", null)]
    [InlineData("JP", "1000001", "100-0001", "+81 3-3224-9999", null)]
    [InlineData("AU", "2000", "2000", "+61 2 9374 4000", "NSW")]
    [InlineData("NO", "0150", "0150", "+47 22 24 30 00", null)]
    public void A_valid_address_passes_and_is_written_in_its_usual_form(string country, string entered, string written, string phone, string? region)
    {
        var normalized = AddressValidation.Normalize(In(country, entered, phone, region));

        Assert.Empty(AddressValidation.Validate(normalized));
        Assert.Equal(written, normalized.PostalCode);
        Assert.StartsWith("+", normalized.Phone, StringComparison.Ordinal);
        Assert.DoesNotContain(" ", normalized.Phone, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("US", "9410", "US ZIP code")]
    [InlineData("US", "ABCDE", "US ZIP code")]
    [InlineData("CA", "D1A 0B1", "Canadian postal code")]
    [InlineData("CA", "W1A 0B1", "Canadian postal code")]
    [InlineData("GB", "SW1A", "UK postcode")]
    [InlineData("GB", "Q1 1AA", "UK postcode")]
    [InlineData("DE", "1011", "German postal code")]
    [InlineData("FR", "750080", "French postal code")]
    [InlineData("SE", "1115", "Swedish postal code")]
    [InlineData("NL", "0123 AB", "Dutch postal code")]
    [InlineData("NL", "1012 SS", "Dutch postal code")]
    [InlineData("JP", "100-001", "Japanese postal code")]
    [InlineData("AU", "200", "Australian postcode")]
    public void A_postal_code_of_the_wrong_format_is_an_overridable_problem_naming_the_format(string country, string postalCode, string named)
    {
        var region = country switch { "US" => "CA", "CA" => "ON", "AU" => "NSW", _ => null };
        var phone = AddressValidationExamples.PhoneOf(country);

        var problem = Assert.Single(Check(In(country, postalCode, phone, region)));

        Assert.Equal("postalCode", problem.Field);
        Assert.True(problem.Overridable);
        Assert.Contains(named, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SE", "+46 8 123")]
    [InlineData("US", "555-0100")]
    [InlineData("DE", "not a number")]
    [InlineData("GB", "+44 20 7946 09")]
    public void A_phone_number_that_is_not_valid_is_an_overridable_problem(string country, string phone)
    {
        var address = In(country, AddressValidationExamples.PostalOf(country), phone, country == "US" ? "NY" : null);

        var problem = Assert.Single(Check(address));

        Assert.Equal(("phone", true), (problem.Field, problem.Overridable));
        Assert.Contains("with the country code", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recipientName")]
    [InlineData("email")]
    [InlineData("phone")]
    [InlineData("street")]
    [InlineData("city")]
    [InlineData("postalCode")]
    [InlineData("country")]
    public void Each_missing_field_is_a_problem_of_that_field_that_cannot_be_overridden(string field)
    {
        var complete = In("SE", "111 51", "+46 8 123 456 78");
        var address = field switch
        {
            "recipientName" => complete with { RecipientName = " " },
            "email" => complete with { Email = "" },
            "phone" => complete with { Phone = "" },
            "street" => complete with { Street = "" },
            "city" => complete with { City = "" },
            "postalCode" => complete with { PostalCode = "" },
            _ => complete with { Country = "" },
        };

        var problem = Assert.Single(Check(address));

        Assert.Equal(field, problem.Field);
        Assert.False(problem.Overridable);
    }

    [Theory]
    [InlineData("XX")]
    [InlineData("usa")]
    [InlineData("U")]
    public void An_unknown_country_cannot_be_overridden(string country)
    {
        var problems = Check(In(country, "12345", "+1 415 555 0100"));

        var problem = Assert.Single(problems, p => p.Field == "country");
        Assert.False(problem.Overridable);
        Assert.Equal("Choose a country from the list.", problem.Message);
    }

    [Theory]
    [InlineData("Main Street 1\nApartment 2")]
    [InlineData("Main Street 1\r")]
    [InlineData("Main\tStreet")]
    public void Control_characters_and_line_breaks_are_refused(string street)
    {
        var problem = Assert.Single(Check(In("SE", "111 51", "+46 8 123 456 78") with { Street = street }));

        Assert.Equal(("street", false), (problem.Field, problem.Overridable));
    }

    [Fact]
    public void Fields_longer_than_a_label_takes_are_refused()
    {
        var problems = Check(In("SE", "111 51", "+46 8 123 456 78") with { RecipientName = new string('a', 201), City = new string('b', 101) });

        Assert.Equal(["city", "recipientName"], problems.Select(p => p.Field).Order());
        Assert.All(problems, p => Assert.False(p.Overridable));
    }

    [Theory]
    [InlineData("name")]
    [InlineData("name@")]
    [InlineData("name@example")]
    [InlineData("two@at@example.com")]
    [InlineData("Name <name@example.com>")]
    [InlineData("na me@example.com")]
    public void An_email_that_is_not_an_address_is_refused(string email)
    {
        var problem = Assert.Single(Check(In("SE", "111 51", "+46 8 123 456 78") with { Email = email }));

        Assert.Equal(("email", false), (problem.Field, problem.Overridable));
    }

    [Theory]
    [InlineData("US", null, "state")]
    [InlineData("US", "ZZ", "state")]
    [InlineData("CA", null, "province")]
    [InlineData("CA", "Texas", "province")]
    [InlineData("AU", "", "state")]
    public void A_missing_or_unknown_region_where_labels_need_one_is_overridable(string country, string? region, string named)
    {
        var problem = Assert.Single(Check(In(country, AddressValidationExamples.PostalOf(country), AddressValidationExamples.PhoneOf(country), region)));

        Assert.Equal(("region", true), (problem.Field, problem.Overridable));
        Assert.Contains(named, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ny")]
    [InlineData("new york")]
    [InlineData("NY")]
    public void A_us_state_is_known_by_code_or_name_in_any_case(string region)
    {
        Assert.Empty(Check(In("US", "10001", "+1 212 555 0100", region)));
    }

    [Fact]
    public void Normalizing_trims_collapses_spaces_and_keeps_what_validation_must_see()
    {
        var normalized = AddressValidation.Normalize(new ShippingAddress("  Astrid   Lind ", " a@example.se ", " 08-123 456 78 ", "Drottninggatan  1", " Stockholm", "  ", " 111  51 ", " se "));

        Assert.Equal(new ShippingAddress("Astrid Lind", "a@example.se", "+46812345678", "Drottninggatan 1", "Stockholm", null, "111 51", "SE"), normalized);
        Assert.Equal("Line\nbreak", AddressValidation.Normalize(In("SE", "111 51", "x") with { Street = "Line\nbreak" }).Street);
    }

    [Fact]
    public void Errors_are_grouped_by_field_for_problem_details()
    {
        var errors = AddressValidation.ToErrors(Check(new ShippingAddress("", "", "", "", "", null, "", "")));

        Assert.Equal(["city", "country", "email", "phone", "postalCode", "recipientName", "street"], errors.Keys.Order());
        Assert.All(errors.Values, messages => Assert.Single(messages));
    }

    [Fact]
    public void The_country_list_holds_every_assigned_code_once_by_name()
    {
        Assert.Equal(249, Countries.All.Count);
        Assert.Equal(Countries.All.Count, Countries.All.Select(c => c.Code).Distinct().Count());
        Assert.All(Countries.All, c => Assert.Matches("^[A-Z]{2}$", c.Code));
        Assert.Equal("Sweden", Countries.NameOf("SE"));
        Assert.True(Countries.IsKnown("JP"));
        Assert.False(Countries.IsKnown("se"));
        Assert.Equal(Countries.All.Select(c => c.Name).Order(StringComparer.Ordinal), Countries.All.Select(c => c.Name));
    }
}

/// <summary>A valid postal code and phone number per country, for tests about the other fields.</summary>
internal static class AddressValidationExamples
{
    public static string PostalOf(string country) => country switch
    {
        "US" => "10001", "CA" => "K1A 0B1", "GB" => "SW1A 1AA", "DE" => "10117", "FR" => "75008", "SE" => "111 51", "NL" => "1012 AB", "JP" => "100-0001", "AU" => "2000",
        _ => "12345",
    };

    public static string PhoneOf(string country) => country switch
    {
        "US" => "+1 212 555 0100", "CA" => "+1 613 555 0100", "GB" => "+44 20 7946 0958", "DE" => "+49 30 901820", "FR" => "+33 1 42 68 53 00",
        "SE" => "+46 8 123 456 78", "NL" => "+31 20 624 1111", "JP" => "+81 3-3224-9999", "AU" => "+61 2 9374 4000",
        _ => "+46 8 123 456 78",
    };
}
