#!/usr/bin/env python3
"""Round trip of the kyc customer API through Cybrid's official Python client.

Usage: roundtrip.py BASE_URL TOKEN   (or KYC_BASE_URL / KYC_TOKEN in the environment)

The token needs customers:read, customers:write, customers:execute, customers:pii:read and
customers:freeze. Uses only the client's API and model classes; exits 1 on the first mismatch
or API error, naming the step.
"""

import datetime
import os
import sys
import uuid

from cybrid_api_bank import ApiClient, Configuration
from cybrid_api_bank.api.customers_bank_api import CustomersBankApi
from cybrid_api_bank.exceptions import OpenApiException
from cybrid_api_bank.model.customer import Customer
from cybrid_api_bank.model.patch_customer import PatchCustomer
from cybrid_api_bank.model.post_customer import PostCustomer
from cybrid_api_bank.model.post_customer_address import PostCustomerAddress
from cybrid_api_bank.model.post_customer_aliases_inner import PostCustomerAliasesInner
from cybrid_api_bank.model.post_customer_name import PostCustomerName
from cybrid_api_bank.model.post_identification_number import PostIdentificationNumber


class Mismatch(Exception):
    pass


def check(step, what, got, want):
    if got != want:
        raise Mismatch(f"{step}: {what} is {got!r}, expected {want!r}")


def main():
    base = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KYC_BASE_URL")
    token = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("KYC_TOKEN")
    if not base or not token:
        sys.exit("usage: roundtrip.py BASE_URL TOKEN (or KYC_BASE_URL and KYC_TOKEN)")
    config = Configuration(host=base.rstrip("/"), access_token=token)
    api = CustomersBankApi(ApiClient(config))
    run = uuid.uuid4().hex[:8]  # labels unique to this run, so reruns on one server work
    step = "start"
    try:
        step = "create individual"
        dob = datetime.date(1990, 2, 3)
        individual = api.create_customer(PostCustomer(
            type="individual",
            name=PostCustomerName(first="Ada", middle="King", last="Lovelace"),
            address=PostCustomerAddress(street="12 St James's Square", street2="Flat 2",
                                        city="London", subdivision="LND",
                                        postal_code="SW1Y 4JH", country_code="GB"),
            date_of_birth=dob,
            phone_number="+442079460000",
            email_address="ada@example.com",
            identification_numbers=[PostIdentificationNumber(
                type="social_security_number", issuing_country_code="US",
                identification_number="123-45-6789")],
            labels=[f"rt-{run}", "individuals"],
        ))
        check(step, "type", individual.type, "individual")
        check(step, "state", individual.state, "unverified")
        check(step, "guid length", len(individual.guid), 32)
        if not isinstance(individual.created_at, datetime.datetime):
            raise Mismatch(f"{step}: created_at is not a datetime: {individual.created_at!r}")

        step = "create business"
        business = api.create_customer(PostCustomer(
            type="business",
            name=PostCustomerName(full="Analytical Engines Ltd"),
            address=PostCustomerAddress(street="1 Market St", city="San Francisco",
                                        subdivision="CA", postal_code="94105",
                                        country_code="US"),
            phone_number="+14155550100",
            email_address="ops@engines.example",
            website="https://engines.example/",  # already canonical: URLs are normalized
            aliases=[PostCustomerAliasesInner(full="Engines")],
            identification_numbers=[PostIdentificationNumber(
                type="employer_identification_number", issuing_country_code="US",
                identification_number="12-3456789")],
            labels=[f"rt-{run}"],
        ))
        check(step, "type", business.type, "business")
        check(step, "state", business.state, "unverified")

        step = "get individual with include_pii"
        got = api.get_customer(individual.guid, include_pii=True)
        check(step, "guid", got.guid, individual.guid)
        check(step, "bank_guid", got.bank_guid, individual.bank_guid)
        check(step, "name", (got.name.first, got.name.middle, got.name.last),
              ("Ada", "King", "Lovelace"))
        a = got.address
        check(step, "address",
              (a.street, a.street2, a.city, a.subdivision, a.postal_code, a.country_code),
              ("12 St James's Square", "Flat 2", "London", "LND", "SW1Y 4JH", "GB"))
        check(step, "date_of_birth", got.date_of_birth, dob)
        check(step, "phone_number", got.phone_number, "+442079460000")
        check(step, "email_address", got.email_address, "ada@example.com")
        ids = [(i.type, i.issuing_country_code, i.identification_number)
               for i in got.identification_numbers]
        check(step, "identification_numbers", ids,
              [("social_security_number", "US", "123-45-6789")])
        check(step, "labels", sorted(got.labels), sorted([f"rt-{run}", "individuals"]))

        step = "get individual without include_pii"
        bare = api.get_customer(individual.guid)
        for field in ("address", "date_of_birth", "phone_number", "email_address",
                      "identification_numbers"):
            if field in bare:
                raise Mismatch(f"{step}: PII field {field} present without include_pii")

        step = "get business with include_pii"
        got = api.get_customer(business.guid, include_pii=True)
        check(step, "name.full", got.name.full, "Analytical Engines Ltd")
        check(step, "address.city", got.address.city, "San Francisco")
        check(step, "website", got.website, "https://engines.example/")
        check(step, "aliases", [x.full for x in got.aliases], ["Engines"])
        check(step, "phone_number", got.phone_number, "+14155550100")
        check(step, "email_address", got.email_address, "ops@engines.example")
        check(step, "identification_numbers",
              [(i.type, i.identification_number) for i in got.identification_numbers],
              [("employer_identification_number", "12-3456789")])

        step = "list with paging and a label"
        page0 = api.list_customers(page=0, per_page=1, label=f"rt-{run}")
        page1 = api.list_customers(page=1, per_page=1, label=f"rt-{run}")
        check(step, "total", page0.total, 2)
        check(step, "page/per_page", (page0.page, page0.per_page, page1.page), (0, 1, 1))
        check(step, "objects per page", (len(page0.objects), len(page1.objects)), (1, 1))
        check(step, "guids", {page0.objects[0].guid, page1.objects[0].guid},
              {individual.guid, business.guid})

        step = "list with a type filter"
        for kind, guid in (("business", business.guid), ("individual", individual.guid)):
            listed = api.list_customers(type=kind, label=f"rt-{run}", per_page=100,
                                        include_pii=True)
            check(step, f"{kind} guids", [c.guid for c in listed.objects], [guid])
            check(step, f"{kind} types", {c.type for c in listed.objects}, {kind})

        step = "patch state frozen"
        # The client's PatchCustomer enum allows only state "unverified" (its model refuses
        # "frozen" before sending), so this one PATCH goes through the client's own ApiClient
        # with the body as JSON; the answer is still parsed into the client's Customer model.
        frozen = api.api_client.call_api(
            "/api/customers/{customer_guid}", "PATCH",
            path_params={"customer_guid": business.guid},
            header_params={"Content-Type": "application/json", "Accept": "application/json"},
            body={"state": "frozen"}, response_type=(Customer,),
            auth_settings=["BearerAuth"], _return_http_data_only=True, _check_type=True)
        check(step, "state", frozen.state, "frozen")
        check(step, "state on get", api.get_customer(business.guid).state, "frozen")

        step = "patch state unverified (unfreeze)"
        back = api.update_customer(business.guid, PatchCustomer(state="unverified"))
        check(step, "state", back.state, "unverified")
        check(step, "state on get", api.get_customer(business.guid).state, "unverified")
    except Mismatch as e:
        sys.exit(f"FAIL {e}")
    except OpenApiException as e:
        sys.exit(f"FAIL {step}: {type(e).__name__}: {e}")
    print(f"OK: individual {individual.guid} and business {business.guid} round-tripped "
          "(create, get with and without PII, list with paging/label/type, freeze, unfreeze)")


if __name__ == "__main__":
    main()
