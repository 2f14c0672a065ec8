-- Reserved for the alerts work; filled in before release.
SELECT 1;
