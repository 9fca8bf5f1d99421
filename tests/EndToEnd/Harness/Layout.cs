namespace KeyPortal.EndToEnd.Harness;

/// <summary>How an element is laid out as a person sees it.</summary>
public static class Layout
{
    /// <summary>How many lines the element's text takes (line boxes with distinct tops).</summary>
    public static Task<int> LinesAsync(ILocator element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return element.EvaluateAsync<int>("""
            element => {
              const range = document.createRange();
              range.selectNodeContents(element);
              return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size;
            }
            """);
    }

    /// <summary>Whether the element's content is wider than the element shows (it overflows, or scrolls).</summary>
    public static Task<bool> OverflowsAsync(ILocator element)
    {
        ArgumentNullException.ThrowIfNull(element);
        return element.EvaluateAsync<bool>("element => element.scrollWidth > element.clientWidth");
    }

    /// <summary>Whether the window scrolls sideways (the page is wider than the viewport).</summary>
    public static Task<bool> WindowScrollsSidewaysAsync(IPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > document.documentElement.clientWidth");
    }
}
